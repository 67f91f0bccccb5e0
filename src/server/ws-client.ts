// One authenticated client of the narrative socket: its subscriptions, replays from the log, and a
// bounded send buffer (a client that cannot keep up is cut off; sending never waits for it).

import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import { serializeError } from '../errors.js';
import type { MiaEvent } from '../events/types.js';
import { listRunIds } from '../store/runs.js';
import { type Channel, isInChannel, parseChannel, Subscriptions } from './channels.js';
import {
  type EncodedEvent,
  type EventBatch,
  encodeEvent,
  encodeMessages,
  frameTextMessages,
  waitForDrain,
} from './fan-out.js';
import type { RunFeed } from './feed.js';
import type { ClientMessage, ReplaySince, ServerMessage } from './protocol.js';
import { CoveredEvents, readAfterEvent, readRunSince } from './replay.js';

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
  readonly #subscriptions = new Subscriptions();
  /** What replays sent: those events are not sent again when they come live. */
  readonly #covered = new CoveredEvents();
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
    const wanted = batch.events.filter(
      ({ event }) => this.#subscriptions.getDelivery(event) !== undefined,
    );
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
        if (!this.#parseChannel(message.channel)) return;
        this.#subscriptions.remove(message.channel);
        this.send({ type: 'unsubscribed', channel: message.channel });
        return;
      }
      case 'subscribe': {
        const channel = this.#parseChannel(message.channel);
        if (!channel) return;
        // Listening before reading the log: nothing appended in between can be missed.
        const isBatched = message.batch === true;
        this.#subscriptions.add(channel, isBatched);
        this.send({ type: 'subscribed', channel: message.channel });
        if (message.since !== undefined) await this.#replay(channel, message.since, isBatched);
        return;
      }
      case 'replay': {
        const channel =
          message.channel === undefined ? undefined : this.#parseChannel(message.channel);
        if (channel !== null) await this.#replay(channel, message.since, message.batch === true);
      }
    }
  }

  /** The channel a name gives; null (and an error said back) when it is refused. */
  #parseChannel(name: string): Channel | null {
    const channel = parseChannel(name);
    if ('error' in channel) {
      this.send({ type: 'error', message: channel.error });
      return null;
    }
    return channel;
  }

  /**
   * Sends the logged events after `since` (a seq of each run of the channel, or an event id across
   * runs: see readAfterEvent), then `replayed`. Live events that come meanwhile are held, then sent
   * without those the replay already sent: gap-free and duplicate-free.
   */
  async #replay(
    channel: Channel | undefined,
    since: ReplaySince | undefined,
    isBatched: boolean,
  ): Promise<void> {
    this.#replays += 1;
    try {
      // A seq needs a channel (the parser sees to it); an event id or nothing may go without one.
      const count =
        typeof since === 'number'
          ? channel && (await this.#replayRuns(channel, since, isBatched))
          : await this.#replayAfterEvent(channel, since, isBatched);
      if (count === undefined) return;
      this.send({ type: 'replayed', channel: channel?.name ?? null, since: since ?? null, count });
    } finally {
      this.#replays -= 1;
      if (this.#replays === 0) this.#releaseHeld();
    }
  }

  /** Replays each run of a channel after a seq; undefined when the client went away meanwhile. */
  async #replayRuns(channel: Channel, since: number, isBatched: boolean) {
    const { feed } = this.#options;
    const runIds = channel.id === '*' ? await listRunIds(feed.workspace) : [channel.id];
    const matches = (event: MiaEvent) => isInChannel(channel, event);
    let count = 0;
    for (const runId of runIds) {
      // A client cut off or gone: the rest of the history is read for nobody.
      if (this.socket.readyState !== WebSocket.OPEN) return undefined;
      try {
        const { events, coverage } = await readRunSince(feed, runId, since, matches);
        await this.#writeReplayed(events, isBatched);
        this.#covered.add(coverage);
        count += events.length;
      } catch (error) {
        this.send({ type: 'error', message: `${channel.name}: ${serializeError(error).message}` });
      }
    }
    return count;
  }

  /** Replays what came after an event id across the runs (of the channel, or the client's own). */
  async #replayAfterEvent(
    channel: Channel | undefined,
    since: string | undefined,
    isBatched: boolean,
  ) {
    const matches = channel
      ? (event: MiaEvent) => isInChannel(channel, event)
      : this.#subscriptions.snapshot();
    const replay = await readAfterEvent(this.#options.feed, since, matches);
    for (const problem of replay.problems) this.send({ type: 'error', message: problem });
    await this.#writeReplayed(replay.events, isBatched);
    for (const coverage of replay.coverage) this.#covered.add(coverage);
    return this.socket.readyState === WebSocket.OPEN ? replay.events.length : undefined;
  }

  /** Writes replayed events as fast as the client reads them, not all into the buffer. */
  async #writeReplayed(events: readonly MiaEvent[], isBatched: boolean): Promise<void> {
    for (const message of encodeMessages(events.map(encodeEvent), () => isBatched)) {
      if (this.socket.readyState !== WebSocket.OPEN) return;
      this.#writeFrames(frameTextMessages([message]));
      if (this.socket.bufferedAmount > this.#replayHighWater) await waitForDrain(this.socket);
    }
  }

  #releaseHeld(): void {
    const held = this.#held;
    this.#held = [];
    this.#sendLive(held, undefined);
  }

  /**
   * Sends the events no replay sent. `shared` is the batch when `events` are all of it: if they all
   * go the same way, its frames serve every client.
   */
  #sendLive(events: readonly EncodedEvent[], shared: EventBatch | undefined): void {
    const fresh = events.filter(({ event }) => !this.#covered.isCovered(event));
    if (fresh.length === 0) return;
    const isBatched = (event: MiaEvent) => this.#subscriptions.getDelivery(event) === true;
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
