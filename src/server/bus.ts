// Hands every event of every run of the workspace to a mia host's narrative bus, so the host's own
// narrative channel (and the IDE extensions on it) see workflow beats live.

import { getTraceId, type MiaEvent } from '../events/types.js';
import { isBroadcast } from './channels.js';
import type { RunFeed } from './feed.js';

/** The part of the mia host's `NarrativeEventBus` the module uses (the bus adds id and timestamp). */
export interface NarrativeBus {
  emit(type: string, payload: unknown, channel?: string, traceId?: string): unknown;
}

/**
 * Emits each event the feed delivers, step log lines aside (the host's bus keeps only its recent
 * events; logs stay on the module's own socket). A bus that fails (throws, or rejects the promise
 * its emit returns) is told to `onProblem`, never to the host as a crash. Returns the function
 * that stops it.
 */
export function forwardToBus(
  feed: RunFeed,
  bus: NarrativeBus,
  onProblem: (message: string) => void,
): () => void {
  return feed.subscribe((event) => {
    if (!isBroadcast(event)) return;
    const emitted = bus.emit(event.type, event.payload, event.channel, getEventTraceId(event));
    if (typeof (emitted as PromiseLike<unknown> | undefined)?.then === 'function') {
      (emitted as PromiseLike<unknown>).then(undefined, (error: unknown) =>
        onProblem(
          `The host's bus failed to take a ${event.type} event: ${(error as Error)?.message ?? String(error)}`,
        ),
      );
    }
  });
}

/** The event's own trace id when it has one (events format 2), else the one its run derives. */
function getEventTraceId(event: MiaEvent): string {
  const given = (event as { traceId?: unknown }).traceId;
  return typeof given === 'string' && given !== '' ? given : getTraceId(event.runId);
}
