// The structural tension chart: desired outcome on top, current reality at the bottom, and the
// action steps between, first step nearest to reality.

import type { RunDetail, RunStepView } from '../server/protocol.js';
import { formatDuration } from '../util/duration.js';
import { STEP_STATUS_WORDS } from '../view/format.js';
import { findFocusStep, listChartItems, orderSteps } from './chart-order.js';
import { createElement, reconcileChildren, setText, updateAttributes } from './dom.js';

export interface ChartElements {
  outcome: HTMLElement;
  steps: HTMLOListElement;
  reality: HTMLElement;
}

/** The key of the line that sums up the steps not started yet. */
const PENDING_KEY = '\u0000pending';

export interface ChartOptions {
  selectedStepId: string | null;
  /** The reader asked to see every step not started yet (else many are summed up in a line). */
  isPendingShown: boolean;
}

function describeStepDetail(step: RunStepView): string {
  const parts = [step.action, step.universe];
  if (step.attempts > 1) parts.push(`attempt ${step.attempts}`);
  const duration = formatDuration(step.durationMs);
  if (duration) parts.push(duration);
  if (step.status === 'skipped' && step.skipReason) parts.push(step.skipReason);
  if (step.status === 'completed' && step.reusedFrom)
    parts.push(`reused from run ${step.reusedFrom}`);
  if (step.status === 'failed' && step.continueOnError) parts.push('allowed to fail');
  return parts.join(' · ');
}

/** A step that needs no attention shows on one line (done, passed by, allowed to fail, to come). */
function isCompact(step: RunStepView, options: ChartOptions): boolean {
  if (step.id === options.selectedStepId) return false;
  if (step.status === 'failed') return step.continueOnError;
  return step.status === 'completed' || step.status === 'skipped' || step.status === 'pending';
}

function createStepItem(): HTMLElement {
  return createElement(
    'li',
    { class: 'step' },
    createElement(
      'button',
      { type: 'button', class: 'step-main', 'data-action': 'select-step' },
      createElement('span', { class: 'step-icon', 'aria-hidden': 'true' }),
      createElement('span', { class: 'step-id' }),
      createElement('span', { class: 'step-status' }),
      createElement('span', { class: 'step-beat' }),
      createElement('span', { class: 'step-detail' }),
    ),
  );
}

function updateStepItem(item: HTMLElement, step: RunStepView, options: ChartOptions): void {
  const isSelected = step.id === options.selectedStepId;
  const classes = [
    'step',
    isSelected ? 'is-selected' : '',
    isCompact(step, options) ? 'is-compact' : '',
    // A matrix leg is listed under its step, indented.
    step.group === undefined ? '' : 'is-leg',
  ];
  updateAttributes(item, {
    'data-testid': `step-${step.id}`,
    'data-group': step.group ?? null,
    'data-status': step.status,
    'data-universe': step.universe,
    'data-allowed-to-fail': step.status === 'failed' && step.continueOnError ? 'true' : null,
    class: classes.filter(Boolean).join(' '),
  });
  const main = item.querySelector<HTMLButtonElement>('.step-main')!;
  updateAttributes(main, { 'aria-pressed': String(isSelected), 'data-step': step.id });
  setText(main.querySelector('.step-id')!, step.id);
  const words = STEP_STATUS_WORDS[step.status];
  setText(
    main.querySelector('.step-status')!,
    step.continueOnError && step.status === 'failed' ? `${words} (allowed)` : words,
  );
  setText(main.querySelector('.step-beat')!, step.beat ?? '');
  setText(main.querySelector('.step-detail')!, describeStepDetail(step));
}

/** The line that stands for the steps not started yet, with the button that shows them. */
function createPendingItem(): HTMLElement {
  return createElement(
    'li',
    {
      class: 'step is-compact step-pending-summary',
      'data-status': 'pending',
      'data-testid': 'pending-steps',
    },
    createElement(
      'button',
      { type: 'button', class: 'step-main', 'data-action': 'toggle-pending' },
      createElement('span', { class: 'step-icon', 'aria-hidden': 'true' }),
      createElement('span', { class: 'step-id' }),
      createElement('span', { class: 'step-status' }, 'show them'),
    ),
  );
}

/**
 * Keeps the step where the story is now in sight in the step list (it scrolls on its own): once
 * for each step that becomes the focus, and only while the reader has not scrolled the list
 * themselves (until another run is shown).
 */
function keepFocusInSight(list: HTMLElement, run: RunDetail): void {
  const isSameRun = list.dataset.run === run.runId;
  const placedAt = list.dataset.placedAt;
  if (isSameRun && placedAt !== undefined && Math.abs(list.scrollTop - Number(placedAt)) > 4) {
    return;
  }
  const focus = findFocusStep(orderSteps(run));
  if (!focus || (isSameRun && list.dataset.focus === focus.id)) return;
  const item = list.querySelector<HTMLElement>(`[data-testid="step-${CSS.escape(focus.id)}"]`);
  if (!item || list.clientHeight === 0) return;
  list.scrollTop = Math.max(0, item.offsetTop - list.clientHeight / 4);
  Object.assign(list.dataset, { run: run.runId, focus: focus.id, placedAt: list.scrollTop });
}

/** The least height of the step list, in pixels (past it, the page scrolls instead). */
const MIN_LIST_PX = 288;

/**
 * Lets the step list take the height that keeps the chart's bottom (current reality) on the
 * first screen, or its least height.
 */
function fitList(elements: ChartElements): void {
  const list = elements.steps;
  const top = list.getBoundingClientRect().top + window.scrollY;
  const below = elements.reality.closest('.stc-end')?.getBoundingClientRect().height ?? 0;
  const fits = Math.floor(window.innerHeight - top - below - 40);
  updateAttributes(list, { style: `max-height: ${Math.max(MIN_LIST_PX, fits)}px` });
}

/** Draws the chart of `run`, updating the step items in place. */
export function renderChart(elements: ChartElements, run: RunDetail, options: ChartOptions): void {
  setText(elements.outcome, run.narrative);
  setText(elements.reality, run.reality);
  reconcileChildren(
    elements.steps,
    listChartItems(run, options.isPendingShown),
    (item) => ('pending' in item ? PENDING_KEY : item.id),
    (item) => ('pending' in item ? createPendingItem() : createStepItem()),
    (element, item) => {
      if (!('pending' in item)) return updateStepItem(element, item, options);
      const ids = item.pending.map((step) => step.id);
      setText(
        element.querySelector('.step-id')!,
        `${ids.length} steps not started yet: ${ids.slice(0, 4).join(', ')}${ids.length > 4 ? ', …' : ''}`,
      );
      updateAttributes(element.querySelector('.step-main')!, {
        'aria-label': `Show the ${ids.length} steps not started yet`,
      });
    },
  );
  fitList(elements);
  keepFocusInSight(elements.steps, run);
}
