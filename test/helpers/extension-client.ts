// A re-creation, from its behaviour, of the narrative client of the mia VS Code extensions
// (mia-three-universe's narrative socket, read on 2026-12-02): it connects to
// `<mia.serverUrl>/api/ws/narrative` with no token in the URL and no Origin; once open, it sends
// `{type:"auth", token}` when the stored token arrives (an asynchronous secret-store read) and, on a
// reconnection, `{type:"replay", since:<last event id>}` at once, so before its auth; it never
// subscribes; it remembers the `id` of every message that has one; after any close it reconnects
// with exponential backoff. The test may hold its reconnection, to decide when it comes back.

import { WebSocket } from 'ws';

/** Gives up on an awaited message after this long (a safety net, not an assertion). */
const GIVE_UP_MS = 20_000;

export type Received = Record<string, unknown>;

export class ExtensionClient {
  /** Every message received, across connections, in order. */
  readonly received: Received[] = [];
  /** The close code of each connection that ended. */
  readonly closeCodes: number[] = [];
  /** The messages sent on each connection, in order: `[connection][message]`. */
  readonly sent: Received[][] = [];
  readonly #wsUrl: string;
  readonly #readToken: () => Promise<string | undefined>;
  readonly #baseDelayMs: number;
  #socket: WebSocket | undefined;
  #lastEventId: string | null = null;
  #attempts = 0;
  #isDisposed = false;
  #heldReconnect: (() => void) | undefined;
  #isHolding = false;
  #wake = new Set<() => void>();

  constructor(serverUrl: string, readToken: () => Promise<string | undefined>, baseDelayMs = 50) {
    this.#wsUrl = `${serverUrl.replace(/^http/, 'ws')}/api/ws/narrative`;
    this.#readToken = readToken;
    this.#baseDelayMs = baseDelayMs;
  }

  connect(): void {
    if (this.#isDisposed) return;
    const socket = new WebSocket(this.#wsUrl);
    const sent: Received[] = [];
    this.sent.push(sent);
    const send = (message: Received) => {
      sent.push(message);
      socket.send(JSON.stringify(message));
    };
    this.#socket = socket;
    socket.on('open', () => {
      this.#attempts = 0;
      void this.#readToken().then((token) => {
        if (token && socket.readyState === WebSocket.OPEN) send({ type: 'auth', token });
      });
      if (this.#lastEventId) send({ type: 'replay', since: this.#lastEventId });
    });
    socket.on('message', (data) => {
      try {
        const message = JSON.parse(String(data)) as Received;
        if (typeof message.id === 'string') this.#lastEventId = message.id;
        this.received.push(message);
      } catch {
        // The extension ignores what it cannot parse.
      }
      this.#notify();
    });
    socket.on('error', () => {});
    socket.on('close', (code) => {
      this.closeCodes.push(code);
      this.#notify();
      if (!this.#isDisposed) this.#scheduleReconnect();
    });
  }

  /** Cuts the connection as a network failure would (the client sees 1006 and reconnects). */
  dropConnection(): void {
    this.#socket?.terminate();
  }

  /** Keeps the client from reconnecting until `releaseReconnect`. */
  holdReconnect(): void {
    this.#isHolding = true;
  }

  releaseReconnect(): void {
    this.#isHolding = false;
    const held = this.#heldReconnect;
    this.#heldReconnect = undefined;
    held?.();
  }

  dispose(): void {
    this.#isDisposed = true;
    this.#socket?.close();
  }

  /** The events received (messages with a `seq`) of one run, in order. */
  events(runId: string): Received[] {
    return this.received.filter((m) => typeof m.seq === 'number' && m.runId === runId);
  }

  /** Resolves once a received message matches; rejects after GIVE_UP_MS. */
  async waitFor(predicate: (message: Received) => boolean): Promise<Received> {
    return this.waitUntil(() => this.received.find(predicate));
  }

  /** Resolves with the first truthy value of `check`, evaluated on every message and close. */
  async waitUntil<T>(check: () => T | undefined | false): Promise<T> {
    const giveUpAt = Date.now() + GIVE_UP_MS;
    for (;;) {
      const value = check();
      if (value) return value;
      if (Date.now() > giveUpAt) {
        throw new Error(
          `never happened; last received: ${JSON.stringify(this.received.slice(-3))}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, 200);
        const wake = this.#wake;
        function done() {
          wake.delete(done);
          clearTimeout(timer);
          resolve();
        }
        wake.add(done);
      });
    }
  }

  #scheduleReconnect(): void {
    const delay = this.#baseDelayMs * 2 ** this.#attempts;
    this.#attempts += 1;
    setTimeout(() => {
      if (this.#isHolding) this.#heldReconnect = () => this.connect();
      else this.connect();
    }, delay);
  }

  #notify(): void {
    for (const wake of this.#wake) wake();
  }
}
