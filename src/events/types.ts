// The one vocabulary of a run: every change is one of these events (contract section 5).

import type { ShellName, Universe } from '../definition/types.js';
import type { SerializedError } from '../errors.js';
import { hashSha256 } from '../util/hash.js';

/**
 * The event format's version; readers migrate older ones and refuse newer ones. Format 2 (from
 * format 1): `traceId` on every event, beats as mia StoryBeats, `chart.progress` as the mia chart
 * progress on channel `stc:<run-id>` (see src/store/migrate-event.ts).
 */
export const EVENT_FORMAT_VERSION = 2;

export type BeatType =
  | 'inciting_incident'
  | 'rising_action'
  | 'climax'
  | 'falling_action'
  | 'resolution'
  | 'discovery'
  | 'challenge'
  | 'transformation';

/** A beat's significance in the three steps format 1 wrote them in (and the narrator still uses). */
export const SIGNIFICANCE = { low: 0.3, medium: 0.6, high: 0.9 } as const;

/** Who reports the events beats tell (a beat's `event.source`). */
export const BEAT_SOURCE = 'mia-workflow';

/**
 * A story beat: the mia `StoryBeat` (its story-beat engine spec), plus the universe and step it
 * belongs to (both null for the run's own beats: its opening and its resolution).
 */
export interface Beat {
  id: string;
  type: BeatType;
  description: string;
  /** The event the beat tells: its type, who reported it, and its facts. */
  event: { type: string; source: string; data: Record<string, unknown> };
  /** A line per universe that has something true to say about the beat; none is filler. */
  universeAnnotations: Partial<Record<Universe, string>>;
  /** How much the beat matters to the story, from 0 to 1. */
  significance: number;
  /** The run the beat belongs to (the mia session). */
  session: string;
  workspace?: string;
  timestamp: string;
  /** Beats this one answers or closes: a transformation names the challenges it overcame. */
  relatedBeats?: string[];
  universe: Universe | null;
  stepId: string | null;
}

export interface StartedStep {
  id: string;
  action: string;
  universe: Universe;
  beat: string | null;
  depends_on: string[];
  /** Hash of what the step does; a change re-runs it on resume. */
  hash: string;
  /**
   * Set on a matrix step: its legs' ids, `<id>(<values>)`, when the matrix is written out; empty
   * when it is expanded at run time (its legs appear as they start).
   */
  legs?: string[];
}

export interface RunSource {
  kind: 'template' | 'workspace' | 'file';
  path: string;
}

/** The run's chart moved (the mia chart progress): published on `stc:<run-id>`. */
export interface ChartProgress {
  /** The run id (the chart is the run's). */
  chartId: string;
  /** The workflow's name. */
  title: string;
  completedSteps: number;
  totalSteps: number;
  percent: number;
  /** The step that moved (absent in progress migrated from format 1, which did not say). */
  action?: { id: string; title: string; completed: boolean };
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
    /** Completed steps run again because what they checked moved since, with why. */
    outdated?: Record<string, string>;
    /**
     * Only on a chapter run again from its start (its parent's step runs again): the inputs that
     * step gives it now, which replace those of `workflow.started`.
     */
    inputs?: Record<string, string>;
    pid: number;
    /** The git HEAD when the run resumed, and its commit subject: what changed since. */
    vcs?: { head: string; subject: string };
  };
  'workflow.step.started': {
    stepId: string;
    universe: Universe;
    action: string;
    attempt: number;
    /** The shell that runs the step's script (actions that run one: shell, run-tests). */
    shell?: ShellName;
    /** Set on a matrix leg (`stepId` is `<step>(<values>)`): its values, by key. */
    matrix?: Record<string, string | number | boolean>;
    /** The worker that runs the attempt (`--queue`); absent when the run's own process does. */
    worker?: { id: string; host: string; pid: number };
  };
  'workflow.step.log': {
    stepId: string;
    stream: 'stdout' | 'stderr';
    text: string;
    /**
     * Only on the notes of an attempt whose output outgrew the events (1 MiB): from byte
     * `logOffset` of `logPath` on, its output is only in that file; `omittedBytes` is how much
     * (null on the note written as the events stop, set on the one that ends the attempt).
     */
    truncated?: { logPath: string; logOffset: number; omittedBytes: number | null };
  };
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
    /** Set on a matrix step: the ids of the legs it ran as, in order. */
    legs?: string[];
    /** A step with `cache:`: its fingerprint; `hit`: not run, restored from run `from`'s entry. */
    cache?: { hit: boolean; fingerprint: string; from?: string };
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
    /** Set on a matrix step whose legs ran: their ids, in order. */
    legs?: string[];
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
  'chart.progress': ChartProgress;
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
    /** The same for every event of a run (getTraceId), across resumes and formats. */
    traceId: string;
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

/** A person's answer to a gate (the store keeps it, the engine takes it, `approve` returns it). */
export interface ApprovalAnswer {
  approved: boolean;
  /** Who answered: a user name, `--yes` (automatic), or `dashboard`. */
  by: string;
  reason: string | undefined;
  automatic: boolean;
}

export { getChartChannel, getEventChannel, getRunChannel } from './channels.js';

/**
 * The trace id of a run: 32 hex digits derived from the run id alone, so every event of a run
 * (chapters excepted: they are runs of their own) carries the same one across resumes and formats.
 */
export function getTraceId(runId: string): string {
  return hashSha256(`mia-workflow:${runId}`).slice(0, 32);
}
