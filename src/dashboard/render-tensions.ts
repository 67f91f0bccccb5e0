// Tensions of the run: what failed, why, what to do, and where the full log is.

import type { RunDetail } from '../server/protocol.js';
import { createElement, reconcileChildren, updateAttributes } from './dom.js';
import type { TensionView } from './run-view.js';

/**
 * The tensions to show: those the events told, and any failed step the events did not cover;
 * open ones first.
 */
export function collectTensions(
  run: RunDetail,
  told: ReadonlyMap<string, TensionView>,
): TensionView[] {
  const tensions = new Map(told);
  for (const step of run.steps) {
    if (step.status !== 'failed' || !step.error || tensions.has(step.id)) continue;
    tensions.set(step.id, {
      stepId: step.id,
      universe: step.universe,
      text: `${step.id} failed`,
      message: step.error.message,
      hint: step.error.hint,
      logPath: step.logPath,
      timestamp: run.updatedAt,
      isResolved: false,
    });
  }
  return [...tensions.values()].sort((a, b) => Number(a.isResolved) - Number(b.isResolved));
}

function drawTension(item: HTMLElement, tension: TensionView): void {
  const signature = JSON.stringify(tension);
  if (item.dataset.signature === signature) return;
  item.dataset.signature = signature;
  updateAttributes(item, {
    class: tension.isResolved ? 'tension is-resolved' : 'tension',
    'data-testid': `tension-${tension.stepId}`,
    'data-resolved': String(tension.isResolved),
  });
  const hint = tension.hint
    ? createElement(
        'p',
        { class: 'tension-hint' },
        createElement('strong', {}, 'What to do: '),
        tension.hint,
      )
    : '';
  item.replaceChildren(
    createElement(
      'p',
      { class: 'tension-head' },
      createElement('strong', {}, tension.stepId),
      ` · ${tension.universe}${tension.isResolved ? ' · resolved' : ''}`,
    ),
    createElement('p', { class: 'tension-text' }, tension.text),
    createElement('pre', { class: 'tension-error' }, tension.message),
    hint,
    createElement(
      'p',
      { class: 'tension-log muted' },
      'Full log: ',
      createElement('code', {}, tension.logPath),
      ' ',
      createElement(
        'button',
        {
          type: 'button',
          class: 'link',
          'data-action': 'select-step',
          'data-step': tension.stepId,
          'aria-label': `Show the log of step ${tension.stepId}`,
        },
        'show log',
      ),
    ),
  );
}

/** Draws the tensions of `run` into `list`. */
export function renderTensions(
  list: HTMLElement,
  empty: HTMLElement,
  tensions: TensionView[],
): void {
  empty.hidden = tensions.length > 0;
  reconcileChildren(
    list,
    tensions,
    (tension) => tension.stepId,
    () => createElement('li'),
    drawTension,
  );
}
