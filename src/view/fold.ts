// The one fold of a run's events into its state: a whole log at once (CLI, server, chapters) or
// event by event as they arrive (the page, the live terminal, story.md), with the same function.

import { DAMAGED_LOG_HINT, EventLogError } from '../errors.js';
import { isTerminalEvent, RUN_END_STATUSES } from '../events/statuses.js';
import type { MiaEvent } from '../events/types.js';
import { createRunState, getCrashedStep, type RunState } from './run-state.js';
import { applyStepEvent, resetSteps } from './step-fold.js';

/** Builds the state of a run from its events (the first one must be `workflow.started`). */
export function foldRunState(events: readonly MiaEvent[]): RunState {
  const first = events[0];
  if (first === undefined) {
    // A process killed (or a disk full) between creating the log and its first event.
    throw new EventLogError(
      'The run never started: its event log holds no event (its process stopped before it recorded the start of the run), so nothing of it ran.',
      'Start a new run with `mia workflow run <workflow>`; the folder of this one can be deleted.',
    );
  }
  if (first.type !== 'workflow.started') {
    throw new EventLogError(
      `The event log does not begin with workflow.started (its first event is ${first.type}).`,
      DAMAGED_LOG_HINT,
    );
  }
  const state = createRunState(first);
  for (const event of events) applyEvent(state, event);
  return state;
}

/**
 * Step output and progress ticks: they change no step's state and are not told in the story
 * (which keeps no ticks), so how long a session ran is read from its other events.
 */
export function isTick(event: MiaEvent): boolean {
  return event.type === 'workflow.step.log' || event.type === 'chart.progress';
}

/** Applies one event (the next of the run, in seq order) to a state in place. */
export function applyEvent(state: RunState, event: MiaEvent): void {
  const reachedAt = state.sessionReachedAt;
  if (!isTick(event)) state.sessionReachedAt = event.timestamp;
  state.lastSeq = event.seq;
  state.updatedAt = event.timestamp;
  if (event.type === 'workflow.started') {
    resetSteps(state, event.payload.steps, []);
  } else if (event.type === 'workflow.resumed') {
    // A session that crashed wrote no final event: it ran until its last event.
    if (!state.isSessionEnded) {
      state.endedSessionsMs += Math.max(
        0,
        Date.parse(reachedAt) - Date.parse(state.sessionStartedAt),
      );
    }
    state.sessionStartedAt = event.timestamp;
    if (event.payload.inputs) state.inputs = event.payload.inputs;
    state.isSessionEnded = false;
    state.durationMs = undefined;
    state.lastSessionMs = undefined;
    state.resumes += 1;
    state.status = 'running';
    state.endedAt = undefined;
    state.steps = event.payload.steps;
    resetSteps(state, event.payload.steps, event.payload.rerun);
  } else if (isTerminalEvent(event)) {
    state.status = RUN_END_STATUSES[event.type];
    state.endedAt = event.timestamp;
    state.lastSessionMs = event.payload.durationMs;
    state.endedSessionsMs += event.payload.durationMs;
    state.isSessionEnded = true;
    state.durationMs = state.endedSessionsMs;
  } else {
    applyStepEvent(state, event);
  }
}

/** Time spent running before the current moment's session: ended sessions plus an unended one. */
export function getRunningMsSoFar(state: RunState): number {
  if (state.isSessionEnded) return state.endedSessionsMs;
  const open = Date.parse(state.sessionReachedAt) - Date.parse(state.sessionStartedAt);
  return state.endedSessionsMs + Math.max(0, open);
}

/** A run with no final event and no live owner died mid-run: its running steps were interrupted. */
export function markCrashed(state: RunState): void {
  if (state.status !== 'running') return;
  state.status = 'interrupted';
  for (const [id, step] of state.stepStates) state.stepStates.set(id, getCrashedStep(step));
}
