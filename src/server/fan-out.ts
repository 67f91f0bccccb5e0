// Hands the feed's live events to the socket's clients: the events of one turn of the event loop
// are encoded once, as WebSocket frames ready to write, and the same bytes go to every client.

import { WebSocket } from 'ws';
import type { MiaEvent } from '../events/types.js';

/** An event with its JSON text as UTF-8 bytes, shared by every client. */
export interface EncodedEvent {
  readonly event: MiaEvent;
  readonly bytes: Buffer;
}

/**
 * An event's JSON, once for every client: `json` when given (the bytes the event log wrote, as it
 * publishes the event), else serialised now.
 */
export function encodeEvent(event: MiaEvent, json?: Buffer): EncodedEvent {
  return { event, bytes: json ?? Buffer.from(JSON.stringify(event), 'utf8') };
}

/** The live events of one loop turn, handed to every client. */
export class EventBatch {
  readonly events: readonly EncodedEvent[];
  readonly #frames: { single?: Buffer; batched?: Buffer } = {};

  constructor(events: readonly EncodedEvent[]) {
    this.events = events;
  }

  /** All the events as frames (one per event, or `events` messages), made once for every client. */
  getFrames(isBatched: boolean): Buffer {
    const key = isBatched ? 'batched' : 'single';
    this.#frames[key] ??= frameTextMessages(encodeMessages(this.events, () => isBatched));
    return this.#frames[key];
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

  /** Encodes the event (see encodeEvent) and sends it with the others of this loop turn. */
  add(event: MiaEvent, json?: Buffer): void {
    this.#events.push(encodeEvent(event, json));
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

/** The messages that carry `events` in order: batched ones grouped into `events` messages. */
export function encodeMessages(
  events: readonly EncodedEvent[],
  isBatched: (event: MiaEvent) => boolean,
): Buffer[] {
  const messages: Buffer[] = [];
  let group: EncodedEvent[] = [];
  for (const item of events) {
    if (isBatched(item.event)) {
      group.push(item);
      continue;
    }
    if (group.length > 0) messages.push(...encodeBatchMessages(group));
    group = [];
    messages.push(item.bytes);
  }
  if (group.length > 0) messages.push(...encodeBatchMessages(group));
  return messages;
}

const TEXT_FINAL = 0x81;

/**
 * The bytes of WebSocket text frames (RFC 6455 5.2: final, unmasked, as a server sends them), one
 * per message, ready to write to a connection after anything `ws` sent before.
 */
export function frameTextMessages(messages: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [];
  for (const payload of messages) {
    const { length } = payload;
    let header: Buffer;
    if (length < 126) {
      header = Buffer.from([TEXT_FINAL, length]);
    } else if (length < 0x10000) {
      header = Buffer.from([TEXT_FINAL, 126, 0, 0]);
      header.writeUInt16BE(length, 2);
    } else {
      header = Buffer.from([TEXT_FINAL, 127, 0, 0, 0, 0, 0, 0, 0, 0]);
      header.writeBigUInt64BE(BigInt(length), 2);
    }
    parts.push(header, payload);
  }
  return Buffer.concat(parts);
}

/** Resolves once what a socket buffered so far is handed to the network (or the socket is gone). */
export function waitForDrain(socket: WebSocket): Promise<void> {
  if (socket.readyState !== WebSocket.OPEN) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      socket.off('close', done);
      resolve();
    };
    socket.once('close', done);
    // Frames go out in order: the ping's write callback means everything before it went too.
    socket.ping(undefined, undefined, done);
  });
}
