// A run in a few facts: its status as shown (crashed or not), its counts, and the forms the CLI
// (`status`, `runs`), the HTTP API's run list and a chapter's result give it.

import type { ChapterResult } from '../actions/types.js';
import type { EndedRunStatus, ShownRunStatus } from '../events/statuses.js';
import type { RunListItem } from '../server/protocol.js';
import { type GateView, listWaitingGates, type RootRun } from './gates.js';
import {
  isUnresolvedFailure,
  listShownSteps,
  listStepStates,
  type RunState,
  type StepState,
} from './run-state.js';

/** A run's state as `mia workflow status --json` reports it. */
export interface RunSummary {
  runId: string;
  workflow: string;
  narrative: string;
  status: ShownRunStatus;
  ownerPid: number | null;
  startedAt: string;
  updatedAt: string;
  durationMs: number | null;
  completed: number;
  total: number;
  resumes: number;
  /** Set when the run is a chapter: the run and step that ran it. */
  parent: { runId: string; stepId: string } | null;
  /** The run the user started: this run, or the one above a chapter (resume that one). */
  rootRunId: string;
  /** Gates that wait for an answer, here or inside chapters, with the command that answers each. */
  waitingGates: GateView[];
  steps: StepState[];
}

/** A run whose log says it runs but that no live process holds has crashed (resume it). */
export function getShownStatus(state: RunState, isLive: boolean): ShownRunStatus {
  return state.status === 'running' && !isLive ? 'crashed' : state.status;
}

/** How many of the run's steps are complete, out of how many (a matrix step counts once, not per leg). */
export function countSteps(state: RunState): { completed: number; total: number } {
  const steps = listStepStates(state).filter((step) => step.group === undefined);
  return {
    completed: steps.filter((step) => step.status === 'completed').length,
    total: steps.length,
  };
}

/** The steps whose failure holds the run back, in step order. */
export function listFailedSteps(state: RunState): string[] {
  return listStepStates(state)
    .filter(isUnresolvedFailure)
    .map((step) => step.id);
}

/** The run's row in the history (`GET /api/workflow/runs`, the page's run list). */
export function toListItem(state: RunState, isLive: boolean): RunListItem {
  return {
    runId: state.runId,
    workflow: state.workflow,
    narrative: state.narrative,
    status: getShownStatus(state, isLive),
    startedAt: state.startedAt,
    updatedAt: state.updatedAt,
    durationMs: state.durationMs ?? null,
    ...countSteps(state),
    parent: state.parent ?? null,
  };
}

/** The run as `mia workflow status` tells it; `ownerPid` is the live process holding it, if any. */
export function toRunSummary(state: RunState, ownerPid: number | null, root: RootRun): RunSummary {
  const status = getShownStatus(state, ownerPid !== null);
  const steps = listShownSteps(state, status);
  return {
    runId: state.runId,
    workflow: state.workflow,
    narrative: state.narrative,
    status,
    ownerPid,
    startedAt: state.startedAt,
    updatedAt: state.updatedAt,
    durationMs: state.durationMs ?? null,
    ...countSteps(state),
    resumes: state.resumes,
    parent: state.parent ?? null,
    rootRunId: root.runId,
    waitingGates: status === 'crashed' ? [] : listWaitingGates(state, root),
    steps,
  };
}

/** How a chapter ended, as the step that ran it learns: a run that did not end was interrupted. */
export function toChapterResult(state: RunState): ChapterResult {
  const outputs: Record<string, Record<string, unknown>> = {};
  for (const [id, step] of state.stepStates) outputs[id] = step.outputs;
  const status: EndedRunStatus = state.status === 'running' ? 'interrupted' : state.status;
  return {
    runId: state.runId,
    workflow: state.workflow,
    status,
    outputs,
    failedSteps: listFailedSteps(state),
  };
}
