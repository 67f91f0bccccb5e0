// The state of a run as its events leave it: what every surface (terminal, server, chapters, page)
// shows is derived from this, folded by one function (fold.ts).

import type { Universe } from '../definition/types.js';
import type { SerializedError } from '../errors.js';
import type { RunStatus, ShownRunStatus, StepStatus } from '../events/statuses.js';
import type { EventOf, RunSource, StartedStep } from '../events/types.js';

/** A gate that waits for an answer, with the path `mia workflow approve` takes. */
export interface WaitingGate {
  path: string;
  prompt: string;
}

/** The latest tension told of a step: what failed, why, what to do, and where the log is. */
export interface TensionState {
  text: string;
  universe: Universe;
  message: string;
  hint: string | undefined;
  logPath: string;
  timestamp: string;
  /** The step completed after the tension (later in the run, or after a resume). */
  isResolved: boolean;
}

export interface StepState {
  id: string;
  /** Set on a matrix leg: the id of its step (legs are listed under it). */
  group?: string;
  /** Set on a matrix leg once it has started: its values, by key. */
  matrix?: Record<string, string | number | boolean>;
  status: StepStatus;
  /** How many times the step started, over every session of the run (retries and resumes). */
  attempts: number;
  /** The attempt number of its latest start, as its retry policy counts (1 after each resume). */
  attempt: number;
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
  /** The latest tension told for this step, if any (kept, resolved, when it later completes). */
  tension: TensionState | undefined;
  /** The beat as told when the step completed (expressions evaluated). */
  beatText: string | undefined;
  /** The run whose cached result the step reused instead of running (its `cache.from`). */
  reusedFrom: string | undefined;
  continueOnError: boolean;
  /**
   * The gates the step waits at: its own (path = its id) or, for a chapter step, gates inside its
   * chapter (path `<step>/<gate>`). The step is `waiting` while any is open.
   */
  gates: WaitingGate[];
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

/** The state of a run that has only just started (its steps pending). */
export function createRunState(first: EventOf<'workflow.started'>): RunState {
  return {
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
}

/** A step that has not started. */
export function createStepState(id: string): StepState {
  return {
    id,
    status: 'pending',
    attempts: 0,
    attempt: 0,
    outputs: {},
    error: undefined,
    skipReason: undefined,
    durationMs: undefined,
    firstStartedAt: undefined,
    startedAt: undefined,
    endedAt: undefined,
    hadTension: false,
    tension: undefined,
    continueOnError: false,
    beatText: undefined,
    reusedFrom: undefined,
    gates: [],
  };
}

/** The states of the run's current steps, in the order the run lists them, each matrix step's legs after it. */
export function listStepStates(state: RunState): StepState[] {
  const legs = new Map<string, StepState[]>();
  for (const step of state.stepStates.values()) {
    if (step.group === undefined) continue;
    const list = legs.get(step.group);
    if (list) list.push(step);
    else legs.set(step.group, [step]);
  }
  return state.steps.flatMap((step) => [
    state.stepStates.get(step.id) ?? createStepState(step.id),
    ...(legs.get(step.id) ?? []),
  ]);
}

/** A step as a crashed run leaves it: cut off if it was running or waiting, no gate open. */
export function getCrashedStep(step: StepState): StepState {
  if (step.status !== 'running' && step.status !== 'waiting') return step;
  return { ...step, status: 'interrupted', gates: [] };
}

/** The run's steps as shown: a crashed run's running steps count as interrupted. */
export function listShownSteps(state: RunState, status: ShownRunStatus): StepState[] {
  const steps = listStepStates(state);
  return status === 'crashed' ? steps.map(getCrashedStep) : steps;
}

/** Whether a step's failure holds the run back (a step allowed to fail does not). */
export function isUnresolvedFailure(step: { status: string; continueOnError?: boolean }): boolean {
  return step.status === 'failed' && !step.continueOnError;
}
