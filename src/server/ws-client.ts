// One authenticated client of the narrative socket: its subscriptions, replays from the log, and a
// bounded send buffer (a client that cannot keep up is cut off; sending never waits for it).

import { WebSocket } from 'ws';
import { serializeError } from '../errors.js';
import type { MiaEvent } from '../events/types.js';
import { listRunIds } from '../store/runs.js';
import type { RunFeed } from './feed.js';
import { type ChannelTarget, parseChannel } from './messages.js';
import type { ClientMessage, ServerMessage } from './protocol.js';

/** Close code for a policy violation (a wrong token). */
export const CLOSE_POLICY = 1008;
/** During a replay, past this many buffered bytes the next event waits for the client to read. */
const REPLAY_HIGH_WATER_BYTES = 1024 * 1024;
/** Live events held for one client while a replay reads the log, at most. */
const MAX_HELD_EVENTS = 50_000;

export interface ClientSessionOptions {
  feed: RunFeed;
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
  /** Run ids subscribed to, or `*` for every run. */
  readonly #targets = new Set<string>();
  /** Per run, the seq of the last event sent: nothing at or below it is sent again live. */
  readonly #lastSent = new Map<string, number>();
  #held: MiaEvent[] = [];
  #replays = 0;

  constructor(socket: WebSocket, options: ClientSessionOptions) {
    this.socket = socket;
    this.#options = options;
  }

  /** A live event of the feed, with its JSON text (made once for every client). */
  push(event: MiaEvent, text: string): void {
    if (!this.#targets.has('*') && !this.#targets.has(event.runId)) return;
    if (this.#replays > 0) {
      this.#held.push(event);
      if (this.#held.length > MAX_HELD_EVENTS) this.socket.terminate();
      return;
    }
    this.#sendLive(event, text);
  }

  /** Sends a control message. */
  send(message: ServerMessage): void {
    this.#sendText(JSON.stringify(message));
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
        this.#targets.add(target.runId);
        this.send({ type: 'subscribed', channel: message.channel });
        if (message.since !== undefined) await this.#replay(message.channel, target, message.since);
        return;
      }
      case 'replay': {
        const target = this.#parseTarget(message.channel);
        if (target) await this.#replay(message.channel, target, message.since);
      }
    }
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
  async #replay(channel: string, target: ChannelTarget, since: number): Promise<void> {
    this.#replays += 1;
    let count = 0;
    try {
      const { feed } = this.#options;
      const runIds = target.runId === '*' ? await listRunIds(feed.workspace) : [target.runId];
      for (const runId of runIds) {
        try {
          const events = await feed.readSince(runId, since);
          for (const event of events) {
            this.#sendText(JSON.stringify(event));
            // A long history goes out as fast as the client reads it, not all into the buffer.
            if (this.socket.bufferedAmount > REPLAY_HIGH_WATER_BYTES) await this.#drain();
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
    for (const event of held) this.#sendLive(event, JSON.stringify(event));
  }

  #sendLive(event: MiaEvent, text: string): void {
    if (event.seq <= (this.#lastSent.get(event.runId) ?? 0)) return;
    this.#lastSent.set(event.runId, event.seq);
    this.#sendText(text);
  }

  #sendText(text: string): void {
    const socket = this.socket;
    if (socket.readyState !== WebSocket.OPEN) return;
    if (socket.bufferedAmount + text.length > this.#options.maxBufferedBytes) {
      // Too far behind: cut it off rather than buffer without bound; it may reconnect with `since`.
      socket.terminate();
      return;
    }
    socket.send(text);
  }
}
