// A run as the HTTP API shows it (RunListItem, RunDetail), read from its event log and its lock.

import { relative } from 'node:path';
import pLimit from 'p-limit';
import type { MiaEvent } from '../events/types.js';
import { describeReality } from '../narrative/story.js';
import { readEvents } from '../store/event-reader.js';
import { formatApproveCommand } from '../store/gate-path.js';
import { readRunLock } from '../store/lock.js';
import { getEventsPath, getRunDir, getStepLogPath } from '../store/paths.js';
import { foldRunState, markCrashed, type RunState } from '../store/run-state.js';
import { listRunIds } from '../store/runs.js';
import type { RunDetail, RunListItem, RunStepView } from './protocol.js';
import { planRunSteps } from './run-plan.js';

/** Logs read at once, at most, to list the runs. */
const MAX_READS_AT_ONCE = 16;

/** A run read from disk: its events, their fold, and whether a live process owns it. */
export interface LoadedRun {
  events: MiaEvent[];
  state: RunState;
  isLive: boolean;
}

/** Reads one run (RunNotFoundError when it has no log, EventLogError when the log is damaged). */
export async function loadRun(workspace: string, runId: string): Promise<LoadedRun> {
  const { events } = await readEvents(getEventsPath(workspace, runId));
  const state = foldRunState(events);
  const isLive =
    state.status === 'running' && (await readRunLock(getRunDir(workspace, runId))) !== undefined;
  return { events, state, isLive };
}

/** Every readable run of the workspace, newest first (unreadable runs are left out). */
export async function listRunItems(workspace: string): Promise<RunListItem[]> {
  const ids = (await listRunIds(workspace)).reverse();
  // A few logs at once: thousands of runs read together would use up the open files, and a run
  // whose log could not be opened would be missing from the list.
  const limit = pLimit(MAX_READS_AT_ONCE);
  const items = await Promise.all(
    ids.map((runId) =>
      limit(() => loadRun(workspace, runId)).then(
        (run) => toListItem(run),
        () => undefined,
      ),
    ),
  );
  return items.filter((item): item is RunListItem => item !== undefined);
}

/** The run with its steps, plan and current reality. */
export function toRunDetail(run: LoadedRun, workspace: string): RunDetail {
  const { state } = run;
  const item = toListItem(run);
  // A run whose process died shows its running steps as interrupted: what a resume will see.
  if (!run.isLive && state.status === 'running') markCrashed(state);
  const plan = planRunSteps(state.steps);
  const steps = state.steps.map((step): RunStepView => {
    const s = state.stepStates.get(step.id);
    return {
      id: step.id,
      action: step.action,
      universe: step.universe,
      beat: step.beat,
      dependsOn: step.depends_on,
      status: s?.status ?? 'pending',
      attempts: s?.attempts ?? 0,
      durationMs: s?.durationMs ?? null,
      error: s?.error ?? null,
      skipReason: s?.skipReason ?? null,
      logPath: relative(workspace, getStepLogPath(workspace, state.runId, step.id)),
      gates: (s?.gates ?? []).map((gate) => ({
        ...gate,
        command: formatApproveCommand(state.runId, gate.path),
      })),
    };
  });
  return {
    ...item,
    steps,
    levels: plan.levels,
    criticalPath: plan.criticalPath,
    reality: describeReality(state),
    lastSeq: state.lastSeq,
  };
}

/** The run's row in the history. */
export function toListItem(run: LoadedRun): RunListItem {
  const { state, events } = run;
  const first = events[0];
  const parent = first?.type === 'workflow.started' ? first.payload.parent : undefined;
  const statuses = state.steps.map((step) => state.stepStates.get(step.id)?.status);
  return {
    runId: state.runId,
    workflow: state.workflow,
    narrative: state.narrative,
    status: state.status === 'running' && !run.isLive ? 'crashed' : state.status,
    startedAt: state.startedAt,
    updatedAt: state.updatedAt,
    durationMs: state.durationMs ?? null,
    completed: statuses.filter((status) => status === 'completed').length,
    total: state.steps.length,
    parent: parent ?? null,
  };
}
