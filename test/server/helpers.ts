// Shared helpers of the server tests: a dashboard on a free port, WebSocket clients that record
// what they receive, raw HTTP requests (any Host or Origin), and runs written with the real EventLog.

import { once } from 'node:events';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach } from 'vitest';
import { type ClientOptions, WebSocket } from 'ws';
import type { MiaEvent } from '../../src/events/types.js';
import type { ServerMessage } from '../../src/server/protocol.js';
import {
  type DashboardServer,
  type DashboardServerOptions,
  startDashboardServer,
} from '../../src/server/standalone.js';
import { EventLog, type EventLogOptions } from '../../src/store/event-log.js';
import { createWorkspace } from '../helpers/cli.js';

/** Gives up on an awaited message after this long (a safety net, not an assertion). */
const GIVE_UP_MS = 20_000;

/** A dashboard server on a free port of a fresh workspace; close it with `server.close()`. */
export async function startTestServer(
  options: Partial<DashboardServerOptions> = {},
): Promise<{ server: DashboardServer; workspace: string; port: number; token: string }> {
  const workspace = options.workspace ?? (await createWorkspace());
  const server = await startDashboardServer({ pollMs: 50, port: 0, ...options, workspace });
  return { server, workspace, port: server.port, token: server.module.token };
}

/**
 * For a test file: `start` a server and `connect` authenticated clients to it; after each test
 * the clients and the server are closed.
 */
export function useStreamingServer() {
  let server: DashboardServer | undefined;
  const clients: TestClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await server?.close();
    server = undefined;
  });
  return {
    async start(options: Partial<DashboardServerOptions> = {}) {
      const started = await startTestServer(options);
      server = started.server;
      return started;
    },
    async connect(port: number, token: string): Promise<TestClient> {
      const client = await TestClient.connect(port, { token });
      clients.push(client);
      await client.waitFor(isMessage('auth'));
      return client;
    },
  };
}

/** A WebSocket client that keeps every message it receives. */
export class TestClient {
  readonly socket: WebSocket;
  readonly messages: ServerMessage[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  #waiters = new Set<() => void>();

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on('message', (data) => {
      this.messages.push(JSON.parse(String(data)) as ServerMessage);
      for (const wake of this.#waiters) wake();
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        resolve({ code, reason: String(reason) });
        for (const wake of this.#waiters) wake();
      });
    });
  }

  /**
   * Connects to a socket (`path`: /api/ws/narrative by default); rejects with the HTTP status if
   * the upgrade is refused.
   */
  static async connect(
    port: number,
    options: { token?: string; query?: string; host?: string; path?: string } & ClientOptions = {},
  ): Promise<TestClient> {
    const { token, query, host, path = '/api/ws/narrative', ...clientOptions } = options;
    const headers: Record<string, string> = {
      ...(clientOptions.headers as Record<string, string>),
    };
    if (token !== undefined) headers.Authorization = `Bearer ${token}`;
    if (host !== undefined) headers.Host = host;
    const socket = new WebSocket(`ws://127.0.0.1:${port}${path}${query ?? ''}`, {
      ...clientOptions,
      headers,
    });
    const client = new TestClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('unexpected-response', (_, response) => {
        reject(
          Object.assign(new Error(`refused: ${response.statusCode}`), {
            status: response.statusCode,
          }),
        );
        response.resume();
        socket.terminate();
      });
      socket.once('error', reject);
    });
    return client;
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Events received (alone or in `events` messages), optionally of one run only. */
  events(runId?: string): MiaEvent[] {
    return this.messages
      .flatMap(getEventsIn)
      .filter((event) => runId === undefined || event.runId === runId);
  }

  /** Resolves once `count` received messages match; rejects when the socket closes first. */
  async waitFor(
    predicate: (message: ServerMessage) => boolean,
    count = 1,
  ): Promise<ServerMessage[]> {
    const giveUpAt = Date.now() + GIVE_UP_MS;
    for (;;) {
      const matching = this.messages.filter(predicate);
      if (matching.length >= count) return matching;
      if (this.socket.readyState === WebSocket.CLOSED || Date.now() > giveUpAt) {
        throw new Error(`never received it; got ${JSON.stringify(this.messages.slice(-5))}`);
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.#waiters.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, 200);
        this.#waiters.add(wake);
      });
    }
  }

  /** Waits until the event of `runId` numbered `seq` has arrived. */
  waitForSeq(runId: string, seq: number): Promise<ServerMessage[]> {
    return this.waitFor((m) => getEventsIn(m).some((e) => e.runId === runId && e.seq === seq));
  }

  /** The underlying TCP socket (to stop reading from it). */
  get tcp(): Socket {
    return (this.socket as unknown as { _socket: Socket })._socket;
  }

  close(): void {
    this.socket.terminate();
  }
}

/** The events a message carries: itself, those of an `events` message, or none. */
export function getEventsIn(message: ServerMessage): MiaEvent[] {
  if ('seq' in message) return [message];
  return message.type === 'events' ? message.events : [];
}

/** Is this message a control message of `type`? */
export function isMessage(type: string): (message: ServerMessage) => boolean {
  return (message) => !('seq' in message) && message.type === type;
}

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: unknown;
}

/** One HTTP request with exactly the headers given (Host and Origin included). */
export async function request(
  port: number,
  path: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    body?: unknown;
    token?: string;
  } = {},
): Promise<HttpAnswer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.Authorization = `Bearer ${options.token}`;
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const req = httpRequest({
    host: '127.0.0.1',
    port,
    path,
    method: options.method ?? 'GET',
    headers,
  });
  req.end(body);
  const [response] = (await once(req, 'response')) as [import('node:http').IncomingMessage];
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.statusCode ?? 0, headers: response.headers, text, json };
}

/** Starts a run's log with `workflow.started` for steps a → b → c, with the real EventLog. */
export async function createRunLog(
  workspace: string,
  runId: string,
  options: EventLogOptions = {},
): Promise<EventLog> {
  const log = await EventLog.create(workspace, runId, options);
  log.append('workflow.started', {
    workflow: 'demo',
    narrative: 'The demo reaches its end',
    inputs: {},
    steps: ['a', 'b', 'c'].map((id, index, all) => ({
      id,
      action: 'shell',
      universe: 'engineer' as const,
      beat: `${id} holds`,
      depends_on: index === 0 ? [] : [all[index - 1] ?? ''],
      hash: `h-${id}`,
    })),
    source: { kind: 'workspace', path: `${workspace}/.mia/workflows/demo.yaml` },
    workspace,
    concurrency: 1,
    pid: process.pid,
  });
  return log;
}

/** Appends `count` log events (seq goes up by one each). */
export function appendLogEvents(log: EventLog, count: number, text = 'line\n'): void {
  for (let i = 0; i < count; i += 1) {
    log.append('workflow.step.log', { stepId: 'a', stream: 'stdout', text });
  }
}

/** The seqs of a list of events. */
export function seqsOf(events: readonly MiaEvent[]): number[] {
  return events.map((event) => event.seq);
}

/** [from, from + 1, …, to]. */
export function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}
