// The gates that wait for an answer, at the top of the run's panel: each with its question, the
// Approve and Reject buttons, and the command that answers it from a terminal.

import type { RunDetail } from '../server/protocol.js';
import { createElement, reconcileChildren, updateAttributes } from './dom.js';

/** A gate as a card: a step's own gate (path = its id) or one inside its chapter. */
interface GateCard {
  stepId: string;
  path: string;
  prompt: string;
  command: string;
  /** The first gate of its step: its buttons carry the step's test ids. */
  isFirst: boolean;
}

function listGateCards(run: RunDetail): GateCard[] {
  return run.steps
    .filter((step) => step.status === 'waiting')
    .flatMap((step) =>
      step.gates.map((gate, index) => ({ stepId: step.id, ...gate, isFirst: index === 0 })),
    );
}

function createGateItem(card: GateCard): HTMLElement {
  const name = card.isFirst ? card.stepId : card.path;
  const what = card.path === card.stepId ? `step ${card.stepId}` : `the gate ${card.path}`;
  const button = (action: 'approve' | 'reject', label: string, kind: string) =>
    createElement(
      'button',
      {
        type: 'button',
        class: kind,
        'data-action': action,
        'data-step': card.path,
        'data-testid': `${action}-${name}`,
        'aria-label': `${action === 'approve' ? 'Approve' : 'Reject'} ${what}`,
      },
      label,
    );
  return createElement(
    'li',
    { class: 'gate-card', 'data-gate': card.path },
    createElement('p', { class: 'gate-step' }, createElement('strong', {}, card.stepId), ' waits'),
    createElement('p', { class: 'gate-what', 'data-testid': `gate-${name}` }),
    createElement(
      'div',
      { class: 'gate-buttons' },
      button('approve', 'Approve', 'primary'),
      button('reject', 'Reject…', 'danger'),
    ),
  );
}

/** `Waits at <path>: <question> · from a terminal: <command>`, the question set apart. */
function drawQuestion(what: HTMLElement, card: GateCard): void {
  const signature = JSON.stringify([card.path, card.prompt, card.command]);
  if (what.dataset.signature === signature) return;
  what.dataset.signature = signature;
  what.replaceChildren(
    `Waits at ${card.path}: `,
    createElement('strong', { class: 'gate-prompt' }, card.prompt),
    card.command
      ? createElement('span', { class: 'muted' }, ` · from a terminal: ${card.command}`)
      : '',
  );
}

function updateGateItem(item: HTMLElement, card: GateCard, answering: ReadonlySet<string>): void {
  drawQuestion(item.querySelector<HTMLElement>('.gate-what')!, card);
  updateAttributes(item, { 'aria-busy': answering.has(card.path) ? 'true' : null });
  for (const button of item.querySelectorAll('button')) button.disabled = answering.has(card.path);
}

/** Draws the waiting gates of `run` into `list`; answers on their way disable their buttons. */
export function renderGates(
  list: HTMLElement,
  run: RunDetail,
  answering: ReadonlySet<string>,
): void {
  const cards = listGateCards(run);
  list.hidden = cards.length === 0;
  reconcileChildren(
    list,
    cards,
    (card) => `${card.path}\u0000${card.isFirst}`,
    createGateItem,
    (item, card) => updateGateItem(item, card, answering),
  );
}
