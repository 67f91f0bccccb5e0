// One authenticated client of the narrative socket: its subscriptions, replays from the log, and a
// bounded send buffer (a client that cannot keep up is cut off; sending never waits for it).

import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import { serializeError } from '../errors.js';
import type { MiaEvent } from '../events/types.js';
import { listRunIds } from '../store/runs.js';
import {
  type EncodedEvent,
  type EventBatch,
  encodeEvent,
  encodeMessages,
  frameTextMessages,
} from './fan-out.js';
import type { RunFeed } from './feed.js';
import { type ChannelTarget, parseChannel } from './messages.js';
import type { ClientMessage, ServerMessage } from './protocol.js';

/** Close code for a policy violation (a wrong token). */
export const CLOSE_POLICY = 1008;
/**
 * During a replay, past this many buffered bytes (or a quarter of the client's bound, if less)
 * the next message waits for the client to read.
 */
const REPLAY_HIGH_WATER_BYTES = 1024 * 1024;
/** Live events held for one client while a replay reads the log, at most. */
const MAX_HELD_EVENTS = 50_000;
/** Frames are written in pieces of this size, each checked against the client's buffer bound. */
const WRITE_PIECE_BYTES = 64 * 1024;

export interface ClientSessionOptions {
  feed: RunFeed;
  /** The connection under the WebSocket: event frames, made once for every client, go straight to it. */
  stream: Duplex;
  /** Past this many bytes waiting to be sent, the client is disconnected. */
  maxBufferedBytes: number;
  isTokenValid(token: string): boolean;
}

/** A client that passed the token check. */
export class ClientSession {
  readonly socket: WebSocket;
  /** Set on each pong; a client that misses one heartbeat is terminated. */
  isAlive = true;
  readonly #options: ClientSessionOptions;
  /** Run ids subscribed to (or `*` for every run), each with whether its events come batched. */
  readonly #targets = new Map<string, boolean>();
  /** Per run, the seq of the last event sent: nothing at or below it is sent again live. */
  readonly #lastSent = new Map<string, number>();
  readonly #replayHighWater: number;
  #held: EncodedEvent[] = [];
  #replays = 0;

  constructor(socket: WebSocket, options: ClientSessionOptions) {
    this.socket = socket;
    this.#options = options;
    this.#replayHighWater = Math.min(REPLAY_HIGH_WATER_BYTES, options.maxBufferedBytes / 4);
  }

  /** Live events of the feed (encoded once for every client): those subscribed to, in one write. */
  deliver(batch: EventBatch): void {
    const wanted = batch.events.filter(({ event }) => this.#isBatched(event.runId) !== undefined);
    if (wanted.length === 0) return;
    if (this.#replays > 0) {
      for (const item of wanted) this.#held.push(item);
      if (this.#held.length > MAX_HELD_EVENTS) this.socket.terminate();
      return;
    }
    this.#sendLive(wanted, wanted.length === batch.events.length ? batch : undefined);
  }

  /** Sends a control message. */
  send(message: ServerMessage): void {
    this.#writeFrames(frameTextMessages([Buffer.from(JSON.stringify(message), 'utf8')]));
  }

  /** Answers one message (already parsed and checked). */
  async handle(message: ClientMessage): Promise<void> {
    switch (message.type) {
      case 'auth':
        if (this.#options.isTokenValid(message.token)) this.send({ type: 'auth', status: 'ok' });
        else {
          this.send({ type: 'auth', status: 'refused' });
          this.socket.close(CLOSE_POLICY, 'invalid token');
        }
        return;
      case 'ping':
        this.send({ type: 'pong' });
        return;
      case 'unsubscribe': {
        const target = this.#parseTarget(message.channel);
        if (!target) return;
        this.#targets.delete(target.runId);
        this.send({ type: 'unsubscribed', channel: message.channel });
        return;
      }
      case 'subscribe': {
        const target = this.#parseTarget(message.channel);
        if (!target) return;
        // Listening before reading the log: nothing appended in between can be missed.
        const isBatched = message.batch === true;
        this.#targets.set(target.runId, isBatched);
        this.send({ type: 'subscribed', channel: message.channel });
        if (message.since !== undefined) {
          await this.#replay(message.channel, target, message.since, isBatched);
        }
        return;
      }
      case 'replay': {
        const target = this.#parseTarget(message.channel);
        if (target)
          await this.#replay(message.channel, target, message.since, message.batch === true);
      }
    }
  }

  /** Whether a run's events come batched; undefined when the client does not follow the run. */
  #isBatched(runId: string): boolean | undefined {
    return this.#targets.get(runId) ?? this.#targets.get('*');
  }

  #parseTarget(channel: string): ChannelTarget | undefined {
    const target = parseChannel(channel);
    if ('error' in target) {
      this.send({ type: 'error', message: target.error });
      return undefined;
    }
    return target;
  }

  /**
   * Sends the log's events above `since`, then `replayed`. Live events that come meanwhile are
   * held, then sent without those the replay already covered: gap-free and duplicate-free.
   */
  async #replay(
    channel: string,
    target: ChannelTarget,
    since: number,
    isBatched: boolean,
  ): Promise<void> {
    this.#replays += 1;
    let count = 0;
    try {
      const { feed } = this.#options;
      const runIds = target.runId === '*' ? await listRunIds(feed.workspace) : [target.runId];
      for (const runId of runIds) {
        // A client cut off or gone: the rest of the history is read for nobody.
        if (this.socket.readyState !== WebSocket.OPEN) return;
        try {
          const events = await feed.readSince(runId, since);
          for (const message of encodeMessages(events.map(encodeEvent), () => isBatched)) {
            this.#writeFrames(frameTextMessages([message]));
            // A long history goes out as fast as the client reads it, not all into the buffer.
            if (this.socket.bufferedAmount > this.#replayHighWater) await this.#drain();
          }
          count += events.length;
          const last = events.at(-1)?.seq ?? 0;
          if (last > (this.#lastSent.get(runId) ?? 0)) this.#lastSent.set(runId, last);
        } catch (error) {
          this.send({ type: 'error', message: `${channel}: ${serializeError(error).message}` });
        }
      }
      this.send({ type: 'replayed', channel, since, count });
    } finally {
      this.#replays -= 1;
      if (this.#replays === 0) this.#releaseHeld();
    }
  }

  /** Resolves once what is buffered so far is handed to the network (or the client is gone). */
  #drain(): Promise<void> {
    const socket = this.socket;
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

  #releaseHeld(): void {
    const held = this.#held;
    this.#held = [];
    this.#sendLive(held, undefined);
  }

  /**
   * Sends the events not sent yet (a replay may have covered some). `shared` is the batch when
   * `events` are all of it: if they all go the same way, its frames serve every client.
   */
  #sendLive(events: readonly EncodedEvent[], shared: EventBatch | undefined): void {
    const fresh = events.filter(({ event }) => {
      if (event.seq <= (this.#lastSent.get(event.runId) ?? 0)) return false;
      this.#lastSent.set(event.runId, event.seq);
      return true;
    });
    if (fresh.length === 0) return;
    const isBatched = (event: MiaEvent) => this.#isBatched(event.runId) === true;
    const mode = isBatched(fresh[0]!.event);
    if (
      shared &&
      fresh.length === shared.events.length &&
      fresh.every(({ event }) => isBatched(event) === mode)
    ) {
      this.#writeFrames(shared.getFrames(mode));
    } else {
      this.#writeFrames(frameTextMessages(encodeMessages(fresh, isBatched)));
    }
  }

  /**
   * Writes whole frames to the connection, behind whatever `ws` wrote before (it queues nothing:
   * no compression). A client whose unsent bytes would pass the bound is cut off instead.
   */
  #writeFrames(frames: Buffer): void {
    const { socket } = this;
    const { stream, maxBufferedBytes } = this.#options;
    if (socket.readyState !== WebSocket.OPEN || !stream.writable) return;
    for (let start = 0; start < frames.length; start += WRITE_PIECE_BYTES) {
      const piece = frames.subarray(start, start + WRITE_PIECE_BYTES);
      if (socket.bufferedAmount + piece.length > maxBufferedBytes) {
        // Too far behind: cut it off rather than buffer without bound; it may reconnect with `since`.
        socket.terminate();
        return;
      }
      stream.write(piece);
    }
  }
}
