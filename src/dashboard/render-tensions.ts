// Tensions of the run, at the top of its panel: what failed, why, what to do, and where the full
// log is; resolved ones shrink to a line.

import type { RunDetail, TensionView } from '../server/protocol.js';
import { isResumable } from '../view/format.js';
import { createElement, reconcileChildren, updateAttributes } from './dom.js';

/**
 * What to do about an open tension: its hint, then resume the run (a chapter is resumed through
 * the run the user started, as `mia workflow status` says).
 */
function createNextMove(tension: TensionView, run: RunDetail): HTMLElement | '' {
  const then = tension.hint ? ' Then ' : 'Fix the cause, then ';
  const isChapter = run.root.runId !== run.runId;
  const resume = !isResumable(run.status)
    ? []
    : isChapter
      ? [`${then}resume the run it belongs to: mia workflow resume ${run.root.runId}.`]
      : [
          then,
          createElement(
            'button',
            {
              type: 'button',
              class: 'link',
              'data-action': 'resume',
              'aria-label': `Resume run ${run.runId}`,
            },
            'resume the run',
          ),
          ` (or: mia workflow resume ${run.runId}).`,
        ];
  if (!tension.hint && resume.length === 0) return '';
  return createElement(
    'p',
    { class: 'tension-hint' },
    createElement('strong', {}, 'What to do: '),
    tension.hint ?? '',
    ...resume,
  );
}

function drawTension(item: HTMLElement, tension: TensionView, run: RunDetail): void {
  const signature = JSON.stringify([tension, run.status, run.root]);
  if (item.dataset.signature === signature) return;
  item.dataset.signature = signature;
  updateAttributes(item, {
    class: tension.isResolved ? 'tension is-resolved' : 'tension',
    'data-testid': `tension-${tension.stepId}`,
    'data-resolved': String(tension.isResolved),
  });
  item.replaceChildren(
    createElement(
      'p',
      { class: 'tension-head' },
      createElement('strong', {}, tension.stepId),
      ` · ${tension.universe}${tension.isResolved ? ' · resolved' : ''} · `,
      createElement('span', { class: 'tension-text' }, tension.text),
    ),
    createElement('pre', { class: 'tension-error' }, tension.message),
    tension.isResolved ? '' : createNextMove(tension, run),
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

/** Draws the tensions of `run` into `list` (open ones first, as the run view orders them). */
export function renderTensions(list: HTMLElement, empty: HTMLElement, run: RunDetail): void {
  empty.hidden = run.tensions.length > 0;
  reconcileChildren(
    list,
    run.tensions,
    (tension) => tension.stepId,
    () => createElement('li'),
    (item, tension) => drawTension(item, tension, run),
  );
}
