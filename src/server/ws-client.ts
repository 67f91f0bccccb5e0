// One authenticated client of the narrative socket: its subscriptions, replays from the log, and
// live events, each sent to it once (through a bounded writer: sending never waits for it).

import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
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
} from './fan-out.js';
import type { RunFeed } from './feed.js';
import { LiveHold } from './live-hold.js';
import type { ClientMessage, ReplaySince, ServerMessage } from './protocol.js';
import { ClientHistory, readAfterEvent, readRunSince } from './replay.js';
import { ClientWriter } from './ws-writer.js';

/** Close code for a policy violation (a wrong token). */
export const CLOSE_POLICY = 1008;
/**
 * A client whose access was settled in its request gets the broadcast once it has sent its first
 * message, or after this long: one that subscribes with `since` at once gets each run in order.
 */
const FIRST_MESSAGE_WAIT_MS = 1000;

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
  /** What the client has: nothing is sent to it twice. */
  readonly #history = new ClientHistory();
  readonly #writer: ClientWriter;
  readonly #hold: LiveHold;
  /** Ends the wait for the first message (see FIRST_MESSAGE_WAIT_MS). */
  #endFirstWait = () => {};

  constructor(socket: WebSocket, options: ClientSessionOptions) {
    this.socket = socket;
    this.#options = options;
    this.#writer = new ClientWriter(socket, options.stream, options.maxBufferedBytes);
    this.#hold = new LiveHold(
      (held) => this.#sendLive(held, undefined),
      () => socket.terminate(),
    );
  }

  /** Holds live events until the client's first message has been answered (or a second passed). */
  awaitFirstMessage(): void {
    const end = this.#hold.begin();
    const timer = setTimeout(end, FIRST_MESSAGE_WAIT_MS);
    this.socket.once('close', () => clearTimeout(timer));
    this.#endFirstWait = () => {
      clearTimeout(timer);
      end();
    };
  }

  /** The client's message has been answered. */
  noteAnswered(): void {
    this.#endFirstWait();
  }

  /**
   * Live events of the feed (encoded once for every client): those the client wants, in one write.
   * While held, all are kept, and chosen when released (the client may have subscribed meanwhile).
   */
  deliver(batch: EventBatch): void {
    if (this.#hold.isHolding) this.#hold.add(batch.events);
    else this.#sendLive(batch.events, batch);
  }

  /** Sends a control message. */
  send(message: ServerMessage): void {
    this.#writer.send(message);
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
    const endHold = this.#hold.begin();
    try {
      // A seq needs a channel (the parser sees to it); an event id or nothing may go without one.
      const count =
        typeof since === 'number'
          ? channel && (await this.#replayRuns(channel, since, isBatched))
          : await this.#replayAfterEvent(channel, since, isBatched);
      if (count === undefined) return;
      this.send({ type: 'replayed', channel: channel?.name ?? null, since: since ?? null, count });
    } finally {
      endHold();
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
      if (!this.#writer.isOpen) return undefined;
      try {
        const { events, coverage } = await readRunSince(feed, runId, since, matches);
        count += await this.#writeReplayed(events, isBatched);
        this.#history.add(coverage);
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
    const count = await this.#writeReplayed(replay.events, isBatched);
    for (const coverage of replay.coverage) this.#history.add(coverage);
    return this.#writer.isOpen ? count : undefined;
  }

  /**
   * Writes replayed events (but those it got live already) as fast as the client reads them, not
   * all into the buffer. Returns how many were sent.
   */
  async #writeReplayed(events: readonly MiaEvent[], isBatched: boolean): Promise<number> {
    const missing = events.filter((event) => !this.#history.hasBroadcast(event));
    await this.#writer.writePaced(
      encodeMessages(
        missing.map((event) => encodeEvent(event)),
        () => isBatched,
      ),
    );
    return missing.length;
  }

  /**
   * Sends the events the client wants and no replay sent. `shared` is the batch when `events` are
   * all of it: if all of them go, the same way, its frames serve every client.
   */
  #sendLive(events: readonly EncodedEvent[], shared: EventBatch | undefined): void {
    const fresh = events.filter(
      ({ event }) =>
        this.#subscriptions.getDelivery(event) !== undefined && !this.#history.isCovered(event),
    );
    if (fresh.length === 0) return;
    if (!this.#subscriptions.hasSubscribed) {
      for (const { event } of fresh) this.#history.noteBroadcast(event);
    }
    const isBatched = (event: MiaEvent) => this.#subscriptions.getDelivery(event) === true;
    const mode = isBatched(fresh[0]!.event);
    if (
      shared &&
      fresh.length === shared.events.length &&
      fresh.every(({ event }) => isBatched(event) === mode)
    ) {
      this.#writer.writeFrames(shared.getFrames(mode));
    } else {
      this.#writer.writeFrames(frameTextMessages(encodeMessages(fresh, isBatched)));
    }
  }
}
