// The order of the chart's steps: the plan's, from the desired outcome down to current reality,
// with many steps not started yet summed up in one item, and the step where the story is now.

import type { RunDetail, RunStepView } from '../server/protocol.js';

/** More steps not started yet than this are summed up in one line, until the reader asks. */
const MAX_PENDING_SHOWN = 3;

/** The steps in plan order (level by level, each matrix step's legs after it), so the chart reads as the path from reality. */
export function orderSteps(run: RunDetail): RunStepView[] {
  const byId = new Map(run.steps.map((step) => [step.id, step]));
  const ordered: RunStepView[] = [];
  const take = (id: string) => {
    const step = byId.get(id);
    if (step) ordered.push(step);
    byId.delete(id);
    // A matrix step's legs follow it.
    for (const leg of step?.legs ?? []) take(leg);
  };
  for (const id of run.levels.flat()) take(id);
  return [...ordered, ...byId.values()];
}

/** Where the story is now: the first step that waits, else that failed, else that runs. */
export function findFocusStep(steps: readonly RunStepView[]): RunStepView | undefined {
  for (const status of ['waiting', 'failed', 'running'] as const) {
    const step = steps.find(
      (candidate) =>
        candidate.status === status && !(status === 'failed' && candidate.continueOnError),
    );
    if (step) return step;
  }
  return undefined;
}

/** The step shown when the reader has not picked one: where the story is now. */
export function chooseStep(run: RunDetail): string | null {
  const steps = orderSteps(run);
  const focus = findFocusStep(steps);
  if (focus) return focus.id;
  const started = steps.filter((step) => step.status !== 'pending');
  return (started.at(-1) ?? steps[0])?.id ?? null;
}

export type ChartItem = RunStepView | { pending: RunStepView[] };

/**
 * The chart's items from the top (the desired outcome) down to current reality: the steps in
 * plan order, reversed; many steps not started yet are one line, where the first of them stands.
 */
export function listChartItems(run: RunDetail, isPendingShown: boolean): ChartItem[] {
  const fromTop = orderSteps(run).reverse();
  const pending = fromTop.filter((step) => step.status === 'pending');
  if (isPendingShown || pending.length <= MAX_PENDING_SHOWN) return fromTop;
  const items: ChartItem[] = [];
  for (const step of fromTop) {
    if (step.status !== 'pending') items.push(step);
    else if (step === pending[0]) items.push({ pending });
  }
  return items;
}
