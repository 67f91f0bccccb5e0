// An event's JSON as the event log wrote it, lent to whoever publishes the event next, so that
// the same bytes serve the log and the dashboard's clients (an event is serialised once).

import type { MiaEvent } from './types.js';

const written = new WeakMap<MiaEvent, Buffer>();

/** Lends `json` (the event's JSON, no newline) while the event is being published. */
export function lendEventJson(event: MiaEvent, json: Buffer): void {
  written.set(event, json);
}

/** Ends the loan once the event is published: nothing keeps the bytes after that. */
export function returnEventJson(event: MiaEvent): void {
  written.delete(event);
}

/** The event's JSON as UTF-8: the log's bytes while it is published, or serialised anew. */
export function getEventJson(event: MiaEvent): Buffer {
  return written.get(event) ?? Buffer.from(JSON.stringify(event), 'utf8');
}
