// The one vocabulary of a run: every change is one of these events (contract section 5).

import type { Universe } from '../definition/types.js';
import type { SerializedError } from '../errors.js';
import { hashSha256 } from '../util/hash.js';

/** The event format's version; readers migrate older ones and refuse newer ones. */
export const EVENT_FORMAT_VERSION = 1;

export type BeatType =
  | 'inciting_incident'
  | 'rising_action'
  | 'climax'
  | 'falling_action'
  | 'resolution'
  | 'discovery'
  | 'challenge'
  | 'transformation';

export interface Beat {
  id: string;
  type: BeatType;
  description: string;
  universe: Universe | 'workflow';
  stepId: string | null;
  significance: 'low' | 'medium' | 'high';
  timestamp: string;
}

export interface StartedStep {
  id: string;
  action: string;
  universe: Universe;
  beat: string | null;
  depends_on: string[];
  /** Hash of what the step does; a change re-runs it on resume. */
  hash: string;
}

export interface RunSource {
  kind: 'template' | 'workspace' | 'file';
  path: string;
}

/** The payload of each event type. */
export interface EventPayloads {
  'workflow.started': {
    workflow: string;
    narrative: string;
    inputs: Record<string, string>;
    steps: StartedStep[];
    source: RunSource;
    workspace: string;
    concurrency: number;
    pid: number;
    /** Set when the run is a chapter of another run's step. */
    parent?: { runId: string; stepId: string };
  };
  'workflow.resumed': {
    rerun: string[];
    kept: string[];
    definitionChanged: boolean;
    steps: StartedStep[];
    from: string | null;
    pid: number;
    /** The git HEAD when the run resumed, and its commit subject: what changed since. */
    vcs?: { head: string; subject: string };
  };
  'workflow.step.started': { stepId: string; universe: Universe; action: string; attempt: number };
  'workflow.step.log': { stepId: string; stream: 'stdout' | 'stderr'; text: string };
  'workflow.step.retrying': {
    stepId: string;
    attempt: number;
    delayMs: number;
    error: SerializedError;
  };
  'workflow.step.waiting': {
    stepId: string;
    prompt: string;
    /**
     * Set when the gate is inside a chapter of this step: its path from this run,
     * `<chapter-step>/<gate-step>` (deeper chapters add segments), as `mia workflow approve` takes it.
     */
    gate?: string;
  };
  /** A gate's answer was taken: the step goes on (approved) or fails (rejected). */
  'workflow.step.answered': {
    stepId: string;
    approved: boolean;
    by: string;
    automatic: boolean;
    /** The gate's path, for a gate inside a chapter of this step (as in `workflow.step.waiting`). */
    gate?: string;
  };
  'workflow.step.completed': {
    stepId: string;
    durationMs: number;
    outputs: Record<string, unknown>;
    attempt: number;
    /** The git HEAD before and after the step, when the workspace is a git repository. */
    vcs?: { before: string | null; after: string | null };
    /** The step's beat text as told, its expressions evaluated. */
    beat?: string;
  };
  'workflow.step.failed': {
    stepId: string;
    durationMs: number;
    error: SerializedError;
    /** What the step produced before it failed (test counts, exit code); absent in old logs. */
    outputs?: Record<string, unknown>;
    attempt: number;
    /** The step was stopped by an interruption of the run, not by its own failure. */
    interrupted: boolean;
    continueOnError: boolean;
    /** The git HEAD before and after the step, when the workspace is a git repository. */
    vcs?: { before: string | null; after: string | null };
  };
  'workflow.step.skipped': { stepId: string; reason: string; cause: 'condition' | 'upstream' };
  'workflow.tension': {
    stepId: string;
    universe: Universe;
    text: string;
    error: SerializedError;
    logPath: string;
  };
  'beat.created': { beat: Beat };
  'chart.progress': { completed: number; total: number; percent: number };
  'workflow.completed': { durationMs: number };
  'workflow.failed': { durationMs: number; failedSteps: string[] };
  'workflow.interrupted': { durationMs: number; signal: string };
}

export type EventType = keyof EventPayloads;

/** One event as stored in events.jsonl and streamed over the socket. */
export type MiaEvent = {
  [T in EventType]: {
    v: number;
    id: string;
    seq: number;
    type: T;
    channel: string;
    runId: string;
    timestamp: string;
    payload: EventPayloads[T];
  };
}[EventType];

/** An event of one given type. */
export type EventOf<T extends EventType> = Extract<MiaEvent, { type: T }>;

/** Events after which the log is fsynced before anything else happens. */
export const DURABLE_EVENT_TYPES: ReadonlySet<EventType> = new Set<EventType>([
  'workflow.started',
  'workflow.resumed',
  'workflow.step.completed',
  'workflow.step.failed',
  'workflow.step.skipped',
  'workflow.completed',
  'workflow.failed',
  'workflow.interrupted',
]);

/** The channel of a run's events. */
export function getRunChannel(runId: string): string {
  return `workflow:${runId}`;
}

/** The channel of a run's chart events (the mia chart channel). */
export function getChartChannel(runId: string): string {
  return `stc:${runId}`;
}

/**
 * The trace id of a run: 32 hex digits derived from the run id alone, so every event of a run
 * (chapters excepted: they are runs of their own) carries the same one across resumes and formats.
 */
export function getTraceId(runId: string): string {
  return hashSha256(`mia-workflow:${runId}`).slice(0, 32);
}
