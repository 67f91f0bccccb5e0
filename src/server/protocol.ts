// The dashboard protocol: the messages of the narrative socket and the shapes of the HTTP API,
// shared by the server and the page (the page is bundled with them, and with the run view that
// makes the run shapes: src/view/).

import type { Universe } from '../definition/types.js';
import type { ShownRunStatus, StepStatus } from '../events/statuses.js';
import type { MiaEvent } from '../events/types.js';

/** Where the module's HTTP API lives, in a mia host and in `mia dashboard` alike. */
export const API_PREFIX = '/api/workflow';

/** Where the dashboard page lives (its files under `assets/`). */
export const PAGE_PATH = '/workflow/';

/** The module's own WebSocket (the section 7 protocol), for the dashboard page. */
export const MODULE_WS_PATH = '/api/workflow/ws';

/** The mia narrative channel's path: served by `mia dashboard` only (in a host it is the host's). */
export const NARRATIVE_WS_PATH = '/api/ws/narrative';

/** The channel of every run of the workspace. */
export const ALL_RUNS_CHANNEL = 'workflow:*';

/**
 * Where a replay starts: after a seq (of each run the channel names), or after an event id (across
 * runs, in time order; an id the server does not know gives the last events).
 */
export type ReplaySince = number | string;

/** Messages a client sends on the socket. */
export type ClientMessage =
  | { type: 'auth'; token: string }
  | { type: 'subscribe'; channel: string; since?: ReplaySince; batch?: boolean }
  | { type: 'unsubscribe'; channel: string }
  | { type: 'replay'; channel?: string; since?: ReplaySince; batch?: boolean }
  | { type: 'ping' };

/** Messages the server sends that are not events. */
export type ControlMessage =
  | { type: 'auth'; status: 'ok' | 'refused' }
  | { type: 'subscribed'; channel: string }
  | { type: 'unsubscribed'; channel: string }
  | { type: 'replayed'; channel: string | null; since: ReplaySince | null; count: number }
  | { type: 'error'; message: string }
  | { type: 'pong' };

/**
 * Several events in one message, in seq order per run: sent instead of one message per event for
 * a subscription or replay made with `batch: true` (an extension of the contract's feed).
 */
export interface EventsMessage {
  type: 'events';
  events: MiaEvent[];
}

/** Everything the server sends: control messages, and run events (contract section 5) as they are. */
export type ServerMessage = ControlMessage | EventsMessage | MiaEvent;

/** One row of `GET /api/workflow/runs`. */
export interface RunListItem {
  runId: string;
  workflow: string;
  narrative: string;
  status: ShownRunStatus;
  startedAt: string;
  updatedAt: string;
  durationMs: number | null;
  completed: number;
  total: number;
  parent: { runId: string; stepId: string } | null;
}

/** A step of a run as the page draws it. */
export interface RunStepView {
  id: string;
  action: string;
  universe: Universe;
  beat: string | null;
  dependsOn: string[];
  status: StepStatus;
  /** How many times the step started, over every session of the run (retries and resumes). */
  attempts: number;
  durationMs: number | null;
  error: { message: string; hint?: string; code?: string } | null;
  skipReason: string | null;
  /** The run whose cached result the step reused instead of running (`cache:`), else null. */
  reusedFrom: string | null;
  /** The step failed but was allowed to (`continue_on_error`): the run went on. */
  continueOnError: boolean;
  logPath: string;
  /**
   * The gates the step waits at: its own (`path` = its id) or, for a chapter step, gates inside
   * its chapter (`<step>/<gate>`), each with the command that answers it. Answer one with
   * `POST …/steps/<path, URL-encoded>/approve`.
   */
  gates: Array<{ path: string; prompt: string; command: string }>;
  /** Set on a matrix leg: the id of its step, which it is listed after (and drawn in). */
  group?: string;
  /** Set on a matrix leg once it has started: its values, by key. */
  matrix?: Record<string, string | number | boolean>;
  /** Set on a matrix step: its legs' ids, in order. */
  legs?: string[];
}

/** A tension of a step: what failed, why, what to do, and where the full log is. */
export interface TensionView {
  stepId: string;
  universe: Universe;
  text: string;
  message: string;
  hint: string | undefined;
  /** The step's log file, relative to the workspace. */
  logPath: string;
  timestamp: string;
  /** The step completed since (later in the run, or after a resume). */
  isResolved: boolean;
}

/** `GET /api/workflow/runs/:id`: the run, its steps with their state, the plan, and its chart. */
export interface RunDetail extends RunListItem {
  steps: RunStepView[];
  levels: string[][];
  criticalPath: string[];
  reality: string;
  lastSeq: number;
  /** The run's tensions, open ones first. */
  tensions: TensionView[];
  /**
   * The run the user started, from which gates are answered and the run is resumed: this run, or
   * the one above a chapter, with the gate path prefix from it (`<chapter-step>/`).
   */
  root: { runId: string; prefix: string };
}

/**
 * `GET /api/workflow/runs/:id/steps/:step/log?offset=N`: the log file's bytes from `offset` (moved past a
 * character cut in two) to `nextOffset`, decoded; `size` is the file's size as read. A step that
 * printed nothing has an empty log.
 */
export interface StepLogChunk {
  runId: string;
  stepId: string;
  /** The log file, relative to the workspace. */
  logPath: string;
  offset: number;
  nextOffset: number;
  size: number;
  text: string;
}

/** An error answer of the HTTP API. */
export interface ApiError {
  /** `problems`: with a 422, the definition's problems, each `file:line:col: message`. */
  error: { message: string; code: string; hint?: string; problems?: string[] };
}

/**
 * `POST /api/workflow/runs/:id/resume` answers 202 with this once the resume, a process of its own,
 * holds the run and has recorded `workflow.resumed` (409: another process holds it, or it was
 * complete; 422: the definition has problems).
 */
export interface ResumeStarted {
  runId: string;
  pid: number;
}

/** The JSON body of `POST /api/workflow/runs/:id/steps/:step/approve` (empty: approve). */
export interface ApproveRequest {
  reject?: boolean;
  reason?: string;
}

/** What `POST /api/workflow/runs/:id/steps/:step/approve` answers: the answer as recorded. */
export interface ApprovalGiven {
  runId: string;
  stepId: string;
  approved: boolean;
  by: string;
  reason: string | null;
  answeredAt: string;
  /** False when no process runs the run: the answer is taken when it is resumed. */
  isRunLive: boolean;
}
