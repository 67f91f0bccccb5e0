// The structural tension chart: desired outcome on top, current reality at the bottom, and the
// action steps between, first step nearest to reality.

import type { RunDetail, RunStepView } from '../server/protocol.js';
import { createElement, reconcileChildren, setText, updateAttributes } from './dom.js';
import { formatDuration } from './format.js';

export interface ChartElements {
  outcome: HTMLElement;
  steps: HTMLOListElement;
  reality: HTMLElement;
}

export interface ChartOptions {
  selectedStepId: string | null;
  /** Steps whose gate answer is on its way: their buttons wait. */
  answeringSteps: ReadonlySet<string>;
}

const STATUS_WORDS: Record<RunStepView['status'], string> = {
  pending: 'pending',
  running: 'running',
  waiting: 'waiting for approval',
  completed: 'completed',
  failed: 'failed',
  skipped: 'skipped',
  interrupted: 'interrupted',
};

/** The steps in plan order (level by level), so the chart reads as the path from reality. */
export function orderSteps(run: RunDetail): RunStepView[] {
  const byId = new Map(run.steps.map((step) => [step.id, step]));
  const ordered: RunStepView[] = [];
  for (const id of run.levels.flat()) {
    const step = byId.get(id);
    if (step) ordered.push(step);
    byId.delete(id);
  }
  return [...ordered, ...byId.values()];
}

/** The step shown when the reader has not picked one: where the story is now. */
export function chooseStep(run: RunDetail): string | null {
  const steps = orderSteps(run);
  for (const status of ['waiting', 'failed', 'running'] as const) {
    const step = steps.find((candidate) => candidate.status === status);
    if (step) return step.id;
  }
  const started = steps.filter((step) => step.status !== 'pending');
  return (started.at(-1) ?? steps[0])?.id ?? null;
}

function describeStepDetail(step: RunStepView): string {
  const parts = [step.action, step.universe];
  if (step.attempts > 1) parts.push(`attempt ${step.attempts}`);
  const duration = formatDuration(step.durationMs);
  if (duration) parts.push(duration);
  if (step.status === 'skipped' && step.skipReason) parts.push(step.skipReason);
  return parts.join(' · ');
}

function createStepItem(step: RunStepView): HTMLElement {
  return createElement(
    'li',
    { class: 'step' },
    createElement(
      'button',
      { type: 'button', class: 'step-main', 'data-action': 'select-step', 'data-step': step.id },
      createElement('span', { class: 'step-icon', 'aria-hidden': 'true' }),
      createElement('span', { class: 'step-id' }),
      createElement('span', { class: 'step-status' }),
      createElement('span', { class: 'step-beat' }),
      createElement('span', { class: 'step-detail' }),
    ),
    createElement('div', { class: 'gate' }),
  );
}

/**
 * The gate card: Approve and Reject for the step's own gate, or for a gate inside its chapter
 * (named by its path, with its question and the command that answers it from a terminal).
 */
function renderGate(gate: HTMLElement, step: RunStepView, answering: ReadonlySet<string>): void {
  const open =
    step.gates[0] ??
    (step.status === 'waiting' ? { path: step.id, prompt: '', command: '' } : undefined);
  if (step.status !== 'waiting' || !open) {
    gate.replaceChildren();
    return;
  }
  const isChapterGate = open.path !== step.id;
  if (gate.getAttribute('data-gate') !== open.path) {
    gate.setAttribute('data-gate', open.path);
    const what = isChapterGate ? `the gate ${open.path} in its chapter` : `step ${step.id}`;
    gate.replaceChildren(
      ...(isChapterGate
        ? [createElement('p', { class: 'gate-what', 'data-testid': `gate-${step.id}` })]
        : []),
      createElement(
        'button',
        {
          type: 'button',
          class: 'primary',
          'data-action': 'approve',
          'data-step': open.path,
          'data-testid': `approve-${step.id}`,
          'aria-label': `Approve ${what}`,
        },
        'Approve',
      ),
      createElement(
        'button',
        {
          type: 'button',
          class: 'danger',
          'data-action': 'reject',
          'data-step': open.path,
          'data-testid': `reject-${step.id}`,
          'aria-label': `Reject ${what}`,
        },
        'Reject…',
      ),
    );
  }
  const what = gate.querySelector('.gate-what');
  if (what) {
    const command = open.command ? ` · from a terminal: ${open.command}` : '';
    setText(what as HTMLElement, `Waits at ${open.path}: ${open.prompt}${command}`);
  }
  for (const button of gate.querySelectorAll('button')) button.disabled = answering.has(open.path);
}

function updateStepItem(item: HTMLElement, step: RunStepView, options: ChartOptions): void {
  const isSelected = step.id === options.selectedStepId;
  updateAttributes(item, {
    'data-testid': `step-${step.id}`,
    'data-status': step.status,
    'data-universe': step.universe,
    class: isSelected ? 'step is-selected' : 'step',
  });
  const main = item.querySelector<HTMLButtonElement>('.step-main')!;
  updateAttributes(main, { 'aria-pressed': String(isSelected) });
  setText(main.querySelector('.step-id')!, step.id);
  setText(main.querySelector('.step-status')!, STATUS_WORDS[step.status]);
  setText(main.querySelector('.step-beat')!, step.beat ?? '');
  setText(main.querySelector('.step-detail')!, describeStepDetail(step));
  renderGate(item.querySelector('.gate')!, step, options.answeringSteps);
}

/** Draws the chart of `run`, updating the step items in place. */
export function renderChart(elements: ChartElements, run: RunDetail, options: ChartOptions): void {
  setText(elements.outcome, run.narrative);
  setText(elements.reality, run.reality);
  const fromTop = orderSteps(run).reverse();
  reconcileChildren(
    elements.steps,
    fromTop,
    (step) => step.id,
    createStepItem,
    (item, step) => updateStepItem(item, step, options),
  );
}
