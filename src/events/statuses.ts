// The words a run and its steps are in, declared once: the store, the engine, the CLI, the server
// and the page all take them from here.

import type { EventOf, EventType, MiaEvent } from './types.js';

/** What a step of a run is doing, or how it ended. */
export const STEP_STATUSES = [
  'pending',
  'running',
  'waiting',
  'completed',
  'failed',
  'skipped',
  'interrupted',
] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

/** The events that end a session of a run, each with the status it leaves the run in. */
export const RUN_END_STATUSES = {
  'workflow.completed': 'completed',
  'workflow.failed': 'failed',
  'workflow.interrupted': 'interrupted',
} as const satisfies Partial<Record<EventType, string>>;

export type TerminalEventType = keyof typeof RUN_END_STATUSES;
/** How a session of a run ended. */
export type EndedRunStatus = (typeof RUN_END_STATUSES)[TerminalEventType];
/** What a run's log says: running until a terminal event ends the session. */
export type RunStatus = 'running' | EndedRunStatus;

/**
 * A run as shown to people and machines: `crashed` is a run whose log says `running` with no
 * live process holding it (it died; resume it).
 */
export const SHOWN_RUN_STATUSES = [
  'running',
  'completed',
  'failed',
  'interrupted',
  'crashed',
] as const;
export type ShownRunStatus = (typeof SHOWN_RUN_STATUSES)[number];

/** The events a run's session ends with: after one, the run writes nothing until it is resumed. */
export const TERMINAL_EVENT_TYPES: ReadonlySet<EventType> = new Set<EventType>(
  Object.keys(RUN_END_STATUSES) as TerminalEventType[],
);

/** Whether `event` ends a session of its run. */
export function isTerminalEvent(event: MiaEvent): event is EventOf<TerminalEventType> {
  return TERMINAL_EVENT_TYPES.has(event.type);
}
