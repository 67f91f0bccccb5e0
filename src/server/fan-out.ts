// Hands the feed's live events to the socket's clients: each event is encoded once (one Buffer for
// every client), and the events of one turn of the event loop reach each client together.

import type { MiaEvent } from '../events/types.js';

/** An event with its JSON text as UTF-8 bytes, shared by every client. */
export interface EncodedEvent {
  readonly event: MiaEvent;
  readonly bytes: Buffer;
}

/** Encodes an event's JSON once. */
export function encodeEvent(event: MiaEvent): EncodedEvent {
  return { event, bytes: Buffer.from(JSON.stringify(event), 'utf8') };
}

/** Collects events and hands them to `deliver` together at the end of the current loop turn. */
export class EventBatcher {
  readonly #deliver: (events: readonly EncodedEvent[]) => void;
  #events: EncodedEvent[] = [];
  #timer: NodeJS.Immediate | undefined;

  constructor(deliver: (events: readonly EncodedEvent[]) => void) {
    this.#deliver = deliver;
  }

  add(event: MiaEvent): void {
    this.#events.push(encodeEvent(event));
    this.#timer ??= setImmediate(() => this.#flush());
  }

  /** Drops what is waiting; nothing is delivered afterwards. */
  stop(): void {
    clearImmediate(this.#timer);
    this.#timer = undefined;
    this.#events = [];
  }

  #flush(): void {
    this.#timer = undefined;
    const events = this.#events;
    this.#events = [];
    this.#deliver(events);
  }
}
