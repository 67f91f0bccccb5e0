// The run history: newest first, with a status badge and progress, chapters under their parent.

import type { RunListItem } from '../server/protocol.js';
import { formatDuration } from '../util/duration.js';
import { formatProgress } from '../view/format.js';
import { createElement, reconcileChildren, setText, updateAttributes } from './dom.js';
import { formatDateTime } from './format.js';

/** Runs newest first, each chapter run right after its parent. */
export function orderRuns(runs: readonly RunListItem[]): RunListItem[] {
  const newestFirst = [...runs].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  const ids = new Set(runs.map((run) => run.runId));
  const chapters = new Map<string, RunListItem[]>();
  for (const run of newestFirst) {
    if (!run.parent || !ids.has(run.parent.runId)) continue;
    chapters.set(run.parent.runId, [...(chapters.get(run.parent.runId) ?? []), run]);
  }
  const ordered: RunListItem[] = [];
  const visit = (run: RunListItem) => {
    ordered.push(run);
    for (const chapter of chapters.get(run.runId) ?? []) visit(chapter);
  };
  for (const run of newestFirst) if (!run.parent || !ids.has(run.parent.runId)) visit(run);
  return ordered;
}

function createRunItem(): HTMLElement {
  return createElement(
    'li',
    { class: 'run-item' },
    createElement(
      'button',
      { type: 'button', class: 'run-button', 'data-action': 'select-run' },
      createElement('span', { class: 'run-name' }),
      createElement('span', { class: 'badge' }),
      createElement('span', { class: 'run-when muted' }),
      createElement('span', { class: 'run-id muted' }),
    ),
  );
}

function updateRunItem(item: HTMLElement, run: RunListItem, selectedRunId: string | null): void {
  const button = item.querySelector<HTMLButtonElement>('.run-button')!;
  updateAttributes(item, { class: run.parent ? 'run-item is-chapter' : 'run-item' });
  updateAttributes(button, {
    'data-testid': `run-${run.runId}`,
    'data-run': run.runId,
    'data-status': run.status,
    'aria-current': run.runId === selectedRunId ? 'true' : null,
  });
  setText(button.querySelector('.run-name')!, run.workflow);
  const badge = button.querySelector<HTMLElement>('.badge')!;
  updateAttributes(badge, { 'data-status': run.status });
  setText(badge, run.status);
  const duration = formatDuration(run.durationMs);
  setText(
    button.querySelector('.run-when')!,
    [formatDateTime(run.startedAt), `${formatProgress(run)} steps`, duration]
      .filter(Boolean)
      .join(' · '),
  );
  setText(
    button.querySelector('.run-id')!,
    run.parent ? `${run.runId} · chapter of ${run.parent.stepId}` : run.runId,
  );
}

/** Draws the run history into `list`. */
export function renderHistory(
  list: HTMLElement,
  empty: HTMLElement,
  runs: readonly RunListItem[],
  selectedRunId: string | null,
): void {
  empty.hidden = runs.length > 0;
  reconcileChildren(
    list,
    orderRuns(runs),
    (run) => run.runId,
    createRunItem,
    (item, run) => updateRunItem(item, run, selectedRunId),
  );
}
