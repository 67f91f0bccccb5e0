// The selected run's panel: header with progress and resume, what needs attention (waiting gates,
// tensions), the chart, the plan, the selected step's log, and the beats.

import type { RunDetail } from '../server/protocol.js';
import { formatDuration } from '../util/duration.js';
import { formatProgress, isResumable } from '../view/format.js';
import { setText, updateAttributes } from './dom.js';
import { formatDateTime } from './format.js';
import { renderChart } from './render-chart.js';
import { renderDag } from './render-dag.js';
import { renderGates } from './render-gates.js';
import { renderLog } from './render-log.js';
import { renderTensions } from './render-tensions.js';
import { renderTimeline } from './render-timeline.js';
import type { RunView } from './run-view.js';

export interface RunPanelState {
  view: RunView;
  run: RunDetail;
  selectedStepId: string | null;
  answeringSteps: ReadonlySet<string>;
  isResuming: boolean;
  isPendingShown: boolean;
}

function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}

function renderHeader(state: RunPanelState): void {
  const { run } = state;
  setText(byId('run-title'), run.workflow);
  const meta = [`run ${run.runId}`, `started ${formatDateTime(run.startedAt)}`];
  const duration = formatDuration(run.durationMs);
  if (duration) meta.push(`took ${duration}`);
  if (run.parent) meta.push(`chapter of ${run.parent.runId} (${run.parent.stepId})`);
  setText(byId('run-meta'), meta.join(' · '));
  const status = byId('run-status');
  updateAttributes(status, { 'data-status': run.status });
  setText(status, run.status);
  const progress = byId('progress');
  setText(progress, `STC: ${formatProgress(run)}`);
  updateAttributes(progress, {
    'aria-label': `Progress: ${run.completed} of ${run.total} steps complete`,
    title: `${run.completed} of ${run.total} steps complete`,
  });
  const resume = byId<HTMLButtonElement>('resume');
  resume.hidden = !isResumable(run.status);
  resume.disabled = state.isResuming;
  setText(resume, state.isResuming ? 'Resuming…' : 'Resume run');
  updateAttributes(resume, { 'aria-label': `Resume run ${run.runId} of ${run.workflow}` });
}

/** Draws the whole panel of the selected run. */
export function renderRun(state: RunPanelState): void {
  const { view, run, selectedStepId } = state;
  byId('run').hidden = false;
  byId('no-run').hidden = true;
  renderHeader(state);
  renderGates(byId('gates'), run, state.answeringSteps);
  renderTensions(byId('tensions'), byId('no-tensions'), run);
  renderChart(
    { outcome: byId('outcome'), steps: byId<HTMLOListElement>('steps'), reality: byId('reality') },
    run,
    { selectedStepId, isPendingShown: state.isPendingShown },
  );
  renderDag(byId('dag'), run, selectedStepId);
  const step = run.steps.find((candidate) => candidate.id === selectedStepId);
  renderLog(
    { title: byId('log-title'), path: byId('log-path'), log: byId('log') },
    step ? step.id : null,
    step?.logPath ?? '',
    step ? view.logs.get(step.id) : [],
    step ? view.logs.getRevision(step.id) : 0,
  );
  renderTimeline(byId('timeline'), run.runId, view.beats);
}

/** Shows the placeholder instead of a run. */
export function renderNoRun(): void {
  byId('run').hidden = true;
  byId('no-run').hidden = false;
}
