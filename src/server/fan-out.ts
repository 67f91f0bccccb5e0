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

/** The live events of one loop turn, handed to every client. */
export class EventBatch {
  readonly events: readonly EncodedEvent[];
  #messages: Buffer[] | undefined;

  constructor(events: readonly EncodedEvent[]) {
    this.events = events;
  }

  /** All the events as `events` messages, made once for the clients that want them all batched. */
  get messages(): Buffer[] {
    this.#messages ??= encodeBatchMessages(this.events);
    return this.#messages;
  }
}

/** Collects events and hands them to `deliver` together at the end of the current loop turn. */
export class EventBatcher {
  readonly #deliver: (batch: EventBatch) => void;
  #events: EncodedEvent[] = [];
  #timer: NodeJS.Immediate | undefined;

  constructor(deliver: (batch: EventBatch) => void) {
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
    this.#deliver(new EventBatch(events));
  }
}

/** Largest `events` message in bytes of event JSON (an event bigger than this goes alone). */
export const MAX_BATCH_BYTES = 256 * 1024;

const BATCH_HEAD = Buffer.from('{"type":"events","events":[');
const BATCH_COMMA = Buffer.from(',');
const BATCH_TAIL = Buffer.from(']}');

/** `{"type":"events","events":[…]}` messages that hold `events` in order, from their shared bytes. */
export function encodeBatchMessages(events: readonly EncodedEvent[]): Buffer[] {
  const messages: Buffer[] = [];
  let parts: Buffer[] = [];
  let size = 0;
  const close = () => {
    messages.push(Buffer.concat([BATCH_HEAD, ...parts, BATCH_TAIL]));
    parts = [];
    size = 0;
  };
  for (const { bytes } of events) {
    if (size > 0 && size + bytes.length > MAX_BATCH_BYTES) close();
    if (size > 0) parts.push(BATCH_COMMA);
    parts.push(bytes);
    size += bytes.length + 1;
  }
  if (size > 0) close();
  return messages;
}

/** The frames that carry `events` in order: batched ones grouped into `events` messages. */
export function encodeFrames(
  events: readonly EncodedEvent[],
  isBatched: (event: MiaEvent) => boolean,
): Buffer[] {
  const frames: Buffer[] = [];
  let group: EncodedEvent[] = [];
  for (const item of events) {
    if (isBatched(item.event)) {
      group.push(item);
      continue;
    }
    if (group.length > 0) frames.push(...encodeBatchMessages(group));
    group = [];
    frames.push(item.bytes);
  }
  if (group.length > 0) frames.push(...encodeBatchMessages(group));
  return frames;
}
