// The module's socket: authenticates first (when the page has a token), subscribes (events in
// batches), and reconnects with backoff and `since`.

import type { MiaEvent } from '../events/types.js';
import type { ClientMessage, ServerMessage } from '../server/protocol.js';

/** Where the page stands with the server's live feed. */
export type ConnectionState = 'offline' | 'connecting' | 'live' | 'reconnecting' | 'refused';

export interface SocketHandlers {
  onEvent(event: MiaEvent): void;
  onState(state: ConnectionState): void;
  /** Called after every successful (re)authentication, once subscriptions are sent again. */
  onLive(): void;
  onServerError(message: string): void;
}

/** The module's socket, beside the page's own folder (`/workflow/` → `/api/workflow/ws`). */
const WS_PATH = '../api/workflow/ws';
const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 10_000;
const PING_MS = 25_000;

function isEvent(message: ServerMessage): message is MiaEvent {
  return typeof (message as { seq?: unknown }).seq === 'number';
}

/** One connection to `/api/workflow/ws` that keeps itself alive. */
export class NarrativeSocket {
  readonly #token: string | null;
  readonly #handlers: SocketHandlers;
  /** Channels to subscribe on each connection, with how to find the last seq already seen. */
  readonly #subscriptions = new Map<string, () => number | undefined>();
  #socket: WebSocket | null = null;
  #isAuthenticated = false;
  #isRefused = false;
  #failures = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #pingTimer: ReturnType<typeof setInterval> | undefined;

  /** Without a token, the server lets the page read when its host vouches for it. */
  constructor(token: string | null, handlers: SocketHandlers) {
    this.#token = token;
    this.#handlers = handlers;
  }

  /** Opens the connection (and keeps reopening it until the token is refused). */
  connect(): void {
    const url = new URL(WS_PATH, window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(url);
    this.#socket = socket;
    this.#isAuthenticated = false;
    // Subscriptions first: the server answers them right after the token, before any live event,
    // so each run comes in seq order from where the page stands.
    socket.addEventListener('open', () => {
      for (const [channel, getSince] of this.#subscriptions) this.#sendSubscribe(channel, getSince);
      if (this.#token) this.#send({ type: 'auth', token: this.#token });
    });
    socket.addEventListener('message', (message) => this.#receive(String(message.data)));
    socket.addEventListener('close', () => this.#handleClose(socket));
  }

  /** Closes the connection for good (the page was refused). */
  stop(): void {
    this.#isRefused = true;
    clearTimeout(this.#retryTimer);
    this.#socket?.close();
  }

  /** Follows a channel now and after every reconnection, from `getSince()` when it gives a seq. */
  subscribe(channel: string, getSince: () => number | undefined = () => undefined): void {
    this.#subscriptions.set(channel, getSince);
    this.#sendSubscribe(channel, getSince);
  }

  /** Stops following a channel. */
  unsubscribe(channel: string): void {
    if (!this.#subscriptions.delete(channel)) return;
    this.#send({ type: 'unsubscribe', channel });
  }

  /** Asks again for a channel's events after `since` (used to fill a gap). */
  replay(channel: string, since: number): void {
    if (this.#isAuthenticated) this.#send({ type: 'replay', channel, since, batch: true });
  }

  #sendSubscribe(channel: string, getSince: () => number | undefined): void {
    const since = getSince();
    this.#send(
      since === undefined
        ? { type: 'subscribe', channel, batch: true }
        : { type: 'subscribe', channel, since, batch: true },
    );
  }

  #send(message: ClientMessage): void {
    if (this.#socket?.readyState === WebSocket.OPEN) this.#socket.send(JSON.stringify(message));
  }

  #receive(data: string): void {
    let message: ServerMessage;
    try {
      message = JSON.parse(data) as ServerMessage;
    } catch {
      return;
    }
    if (isEvent(message)) {
      this.#handlers.onEvent(message);
      return;
    }
    if (message.type === 'events') {
      for (const event of message.events) this.#handlers.onEvent(event);
    } else if (message.type === 'auth') {
      // A server that needs no token says `ok` at once, and again to the page's `auth`.
      if (message.status === 'ok') {
        if (!this.#isAuthenticated) this.#handleAuthenticated();
      } else {
        this.#isRefused = true;
        this.#handlers.onState('refused');
        this.#socket?.close();
      }
    } else if (message.type === 'error') {
      this.#handlers.onServerError(message.message);
    }
  }

  #handleAuthenticated(): void {
    this.#isAuthenticated = true;
    this.#failures = 0;
    clearInterval(this.#pingTimer);
    this.#pingTimer = setInterval(() => this.#send({ type: 'ping' }), PING_MS);
    this.#handlers.onState('live');
    this.#handlers.onLive();
  }

  #handleClose(socket: WebSocket): void {
    if (socket !== this.#socket) return;
    clearInterval(this.#pingTimer);
    this.#isAuthenticated = false;
    this.#socket = null;
    if (this.#isRefused) return;
    const delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** this.#failures);
    this.#failures += 1;
    this.#handlers.onState('reconnecting');
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => this.connect(), delay * (0.75 + Math.random() * 0.5));
  }
}
