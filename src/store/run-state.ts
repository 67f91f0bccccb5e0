// Folds a run's events into its current state: the one way any reader learns what a run did.

import { EventLogError, type SerializedError } from '../errors.js';
import type { MiaEvent, RunSource, StartedStep } from '../events/types.js';
import { DAMAGED_LOG_HINT } from './migrate-event.js';

export type StepStatus =
  | 'pending'
  | 'running'
  | 'waiting'
  | 'completed'
  | 'failed'
  | 'skipped'
  | 'interrupted';

export type RunStatus = 'running' | 'completed' | 'failed' | 'interrupted';

export interface StepState {
  id: string;
  status: StepStatus;
  attempts: number;
  outputs: Record<string, unknown>;
  error: SerializedError | undefined;
  skipReason: string | undefined;
  durationMs: number | undefined;
  /** First start of the step's current execution (kept across resumes, for durable waits). */
  firstStartedAt: string | undefined;
  startedAt: string | undefined;
  endedAt: string | undefined;
  /** A tension was told for this step during the run. */
  hadTension: boolean;
  /** The beat as told when the step completed (expressions evaluated). */
  beatText: string | undefined;
  continueOnError: boolean;
  /**
   * The gates the step waits at: its own (path = its id) or, for a chapter step, gates inside its
   * chapter (path `<step>/<gate>`). The step is `waiting` while any is open.
   */
  gates: WaitingGate[];
}

/** A gate that waits for an answer, with the path `mia workflow approve` takes. */
export interface WaitingGate {
  path: string;
  prompt: string;
}

export interface RunState {
  runId: string;
  workflow: string;
  narrative: string;
  inputs: Record<string, string>;
  source: RunSource;
  workspace: string;
  concurrency: number;
  /** The step list of the latest start or resume. */
  steps: StartedStep[];
  /** Set when the run is a chapter: the run and step that ran it. */
  parent: { runId: string; stepId: string } | undefined;
  stepStates: Map<string, StepState>;
  status: RunStatus;
  startedAt: string;
  updatedAt: string;
  endedAt: string | undefined;
  /** Time spent running, over every session (start and resumes), once the run has ended. */
  durationMs: number | undefined;
  /** The time of the last session alone (what its final event says). */
  lastSessionMs: number | undefined;
  /** Time of the sessions that have ended: final events' durations, or first-to-last event. */
  endedSessionsMs: number;
  /** When the current session began (its `workflow.started` or `workflow.resumed`). */
  sessionStartedAt: string;
  /** Whether the current session has written its final event. */
  isSessionEnded: boolean;
  /** When the current session's latest event that is not a tick was written. */
  sessionReachedAt: string;
  resumes: number;
  lastSeq: number;
}

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
  const state: RunState = {
    runId: first.runId,
    workflow: first.payload.workflow,
    narrative: first.payload.narrative,
    inputs: first.payload.inputs,
    source: first.payload.source,
    workspace: first.payload.workspace,
    concurrency: first.payload.concurrency,
    steps: first.payload.steps,
    parent: first.payload.parent,
    stepStates: new Map(),
    status: 'running',
    startedAt: first.timestamp,
    updatedAt: first.timestamp,
    endedAt: undefined,
    durationMs: undefined,
    lastSessionMs: undefined,
    endedSessionsMs: 0,
    sessionStartedAt: first.timestamp,
    isSessionEnded: false,
    sessionReachedAt: first.timestamp,
    resumes: 0,
    lastSeq: 0,
  };
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

/** Applies one event to a state in place (also used live, event by event). */
export function applyEvent(state: RunState, event: MiaEvent): void {
  const reachedAt = state.sessionReachedAt;
  if (!isTick(event)) state.sessionReachedAt = event.timestamp;
  state.lastSeq = event.seq;
  state.updatedAt = event.timestamp;
  switch (event.type) {
    case 'workflow.started':
      resetSteps(state, event.payload.steps, []);
      break;
    case 'workflow.resumed':
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
      break;
    case 'workflow.step.started': {
      const step = getStep(state, event.payload.stepId);
      step.status = 'running';
      step.attempts = event.payload.attempt;
      step.startedAt = event.timestamp;
      step.firstStartedAt ??= event.timestamp;
      step.gates = [];
      break;
    }
    case 'workflow.step.waiting': {
      const step = getStep(state, event.payload.stepId);
      const path = event.payload.gate ?? event.payload.stepId;
      step.gates = [
        ...step.gates.filter((gate) => gate.path !== path),
        { path, prompt: event.payload.prompt },
      ];
      step.status = 'waiting';
      break;
    }
    case 'workflow.step.answered': {
      const step = getStep(state, event.payload.stepId);
      const path = event.payload.gate ?? event.payload.stepId;
      step.gates = step.gates.filter((gate) => gate.path !== path);
      if (step.status === 'waiting' && step.gates.length === 0) step.status = 'running';
      break;
    }
    case 'workflow.step.completed': {
      const step = getStep(state, event.payload.stepId);
      step.status = 'completed';
      step.gates = [];
      step.outputs = event.payload.outputs;
      step.durationMs = event.payload.durationMs;
      step.endedAt = event.timestamp;
      step.error = undefined;
      step.beatText = event.payload.beat;
      break;
    }
    case 'workflow.step.failed': {
      const step = getStep(state, event.payload.stepId);
      step.status = event.payload.interrupted ? 'interrupted' : 'failed';
      step.gates = [];
      step.error = event.payload.error;
      step.outputs = event.payload.outputs ?? {};
      step.durationMs = event.payload.durationMs;
      step.endedAt = event.timestamp;
      step.continueOnError = event.payload.continueOnError;
      break;
    }
    case 'workflow.step.skipped': {
      const step = getStep(state, event.payload.stepId);
      step.status = 'skipped';
      step.skipReason = event.payload.reason;
      break;
    }
    case 'workflow.tension':
      getStep(state, event.payload.stepId).hadTension = true;
      break;
    case 'workflow.completed':
    case 'workflow.failed':
    case 'workflow.interrupted':
      state.status = event.type.slice('workflow.'.length) as RunStatus;
      state.endedAt = event.timestamp;
      state.lastSessionMs = event.payload.durationMs;
      state.endedSessionsMs += event.payload.durationMs;
      state.isSessionEnded = true;
      state.durationMs = state.endedSessionsMs;
      break;
    default:
      break;
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
  for (const step of state.stepStates.values()) {
    if (step.status === 'running' || step.status === 'waiting') {
      step.status = 'interrupted';
      step.gates = [];
    }
  }
}

function resetSteps(
  state: RunState,
  steps: readonly StartedStep[],
  rerun: readonly string[],
): void {
  const previous = state.stepStates;
  const reset = new Set(rerun);
  state.stepStates = new Map();
  for (const step of steps) {
    const before = previous.get(step.id);
    if (before && !reset.has(step.id)) {
      state.stepStates.set(step.id, before);
      continue;
    }
    const fresh = createStepState(step.id);
    // A re-run keeps when it first started, so a durable wait resumes where it was.
    if (before && before.status !== 'completed') fresh.firstStartedAt = before.firstStartedAt;
    fresh.hadTension = before?.hadTension ?? false;
    state.stepStates.set(step.id, fresh);
  }
}

function getStep(state: RunState, id: string): StepState {
  let step = state.stepStates.get(id);
  if (!step) {
    step = createStepState(id);
    state.stepStates.set(id, step);
  }
  return step;
}

function createStepState(id: string): StepState {
  return {
    id,
    status: 'pending',
    attempts: 0,
    outputs: {},
    error: undefined,
    skipReason: undefined,
    durationMs: undefined,
    firstStartedAt: undefined,
    startedAt: undefined,
    endedAt: undefined,
    hadTension: false,
    continueOnError: false,
    beatText: undefined,
    gates: [],
  };
}
