// The narrative socket (contract section 7): a `noServer` WebSocket server that upgrades only after
// the access checks, then streams the feed to each client. Which paths lead to it is the router's
// business (`/api/workflow/ws` in a host; `/api/ws/narrative` too in `mia dashboard`).

import { type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import { serializeError } from '../errors.js';
import {
  type AccessPolicy,
  checkAccess,
  getRequestToken,
  isTokenValid,
  WRONG_TOKEN,
} from './auth.js';
import { EventBatcher } from './fan-out.js';
import type { RunFeed } from './feed.js';
import { AUTH_WITHOUT_TOKEN, parseClientMessage } from './messages.js';
import { CLOSE_POLICY, ClientSession } from './ws-client.js';

export interface NarrativeSocketOptions {
  feed: RunFeed;
  token: string;
  /** Which Host and Origin may connect, and whether a client must present the token to read. */
  access: AccessPolicy;
  /** Largest message a client may send (bytes); a bigger frame closes it with 1009. */
  maxPayload?: number;
  /** Bytes waiting to be sent to one client before it is cut off. */
  maxBufferedBytes?: number;
  /** Ping interval; a client that has not answered the previous ping is terminated. */
  heartbeatMs?: number;
  /** How long a client without a token in its request has to send its `auth` message. */
  authTimeoutMs?: number;
}

/** Messages a client may send before its `auth` message; they are answered once it is checked. */
const MAX_MESSAGES_BEFORE_AUTH = 32;
/** Bytes held for a client before its `auth`, at most: a stranger cannot make the server hoard. */
const MAX_BYTES_BEFORE_AUTH = 16 * 1024;

/** The narrative socket, ready to take HTTP upgrades. */
export interface NarrativeSocket {
  /** Takes an HTTP upgrade: refuses it (HTTP 4xx) unless it is allowed. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Clients that passed the token check and are still connected. */
  readonly clientCount: number;
  /** Closes every client (1001, cut off if it does not answer soon) and stops the heartbeat. */
  close(): Promise<void>;
}

/** A message received before the client's `auth`, as it came. */
type Held = [data: RawData, isBinary: boolean];

const CLOSE_GOING_AWAY = 1001;
const CLOSE_GRACE_MS = 1000;

const DEFAULTS = {
  maxPayload: 64 * 1024,
  maxBufferedBytes: 4 * 1024 * 1024,
  heartbeatMs: 30_000,
  authTimeoutMs: 10_000,
};

/** Creates the narrative socket on top of a feed. */
export function createNarrativeSocket(options: NarrativeSocketOptions): NarrativeSocket {
  const settings = { ...DEFAULTS, ...options };
  // No compression: ws then queues nothing, so event frames written to the connection stay in order.
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: settings.maxPayload,
    perMessageDeflate: false,
  });
  const sessions = new Set<ClientSession>();
  const checkToken = (given: string) => isTokenValid(options.token, given);
  const batcher = new EventBatcher((batch) => {
    for (const session of sessions) session.deliver(batch);
  });
  // With no client, nobody can want the event: it is not even encoded.
  const stopFeed = options.feed.subscribe((event, json) => {
    if (sessions.size > 0) batcher.add(event, json);
  });
  const heartbeat = setInterval(() => {
    for (const session of sessions) {
      if (!session.isAlive) {
        session.socket.terminate();
        continue;
      }
      session.isAlive = false;
      session.socket.ping();
    }
  }, settings.heartbeatMs);
  heartbeat.unref();

  /**
   * `held`: what the client sent before its `auth` message; without them (access settled in the
   * request), live events wait for the client's first message.
   */
  const startSession = (socket: WebSocket, stream: Duplex, held?: Held[]): void => {
    const session = new ClientSession(socket, {
      feed: options.feed,
      stream,
      maxBufferedBytes: settings.maxBufferedBytes,
      isTokenValid: checkToken,
    });
    sessions.add(session);
    socket.on('pong', () => {
      session.isAlive = true;
    });
    socket.on('close', () => sessions.delete(session));
    socket.on('message', (data, isBinary) => void answer(session, data, isBinary));
    session.send({ type: 'auth', status: 'ok' });
    if (!held) session.awaitFirstMessage();
    // In the order they came, before any later message (each starts at once, up to its first wait).
    for (const [data, isBinary] of held ?? []) void answer(session, data, isBinary);
  };

  /**
   * Nothing is sent to a client before its token is checked. Until its `auth` message comes, what
   * it sends is held, then answered once the token is accepted (the mia extensions' client sends
   * its `replay` first when it reconnects).
   */
  const awaitAuth = (socket: WebSocket, stream: Duplex) => {
    const held: Held[] = [];
    let heldBytes = 0;
    const refuse = (reason: string) => {
      socket.off('message', receive);
      socket.send(JSON.stringify({ type: 'auth', status: 'refused' }));
      socket.close(CLOSE_POLICY, reason);
    };
    const timer = setTimeout(() => refuse('authentication required'), settings.authTimeoutMs);
    socket.once('close', () => clearTimeout(timer));
    const receive = (data: RawData, isBinary: boolean) => {
      const message = isBinary ? undefined : parseClientMessage(toText(data));
      if (message && 'error' in message && message.error === AUTH_WITHOUT_TOKEN) {
        clearTimeout(timer);
        return refuse('invalid token');
      }
      if (!message || !('type' in message) || message.type !== 'auth') {
        held.push([data, isBinary]);
        heldBytes += getByteLength(data);
        if (held.length > MAX_MESSAGES_BEFORE_AUTH || heldBytes > MAX_BYTES_BEFORE_AUTH) {
          clearTimeout(timer);
          refuse(
            `authenticate first (at most ${MAX_MESSAGES_BEFORE_AUTH} messages, 16 KiB before)`,
          );
        }
        return;
      }
      clearTimeout(timer);
      socket.off('message', receive);
      if (checkToken(message.token)) startSession(socket, stream, held);
      else refuse('invalid token');
    };
    socket.on('message', receive);
  };

  return {
    handleUpgrade(request, socket, head) {
      socket.on('error', () => socket.destroy());
      const refusal = checkAccess(request, options.access);
      if (refusal) return refuseUpgrade(socket, refusal.status, refusal.code, refusal.message);
      const given = getRequestToken(request);
      if (given !== undefined && !checkToken(given)) {
        return refuseUpgrade(socket, 401, WRONG_TOKEN.code, WRONG_TOKEN.message);
      }
      wss.handleUpgrade(request, socket, head, (client) => {
        client.on('error', () => client.terminate());
        if (given === undefined && options.access.isTokenNeededToRead) awaitAuth(client, socket);
        else startSession(client, socket);
      });
    },
    get clientCount() {
      return sessions.size;
    },
    async close() {
      stopFeed();
      batcher.stop();
      clearInterval(heartbeat);
      const clients = [...wss.clients];
      const closed = clients.map(
        (client) => new Promise((resolve) => client.once('close', resolve)),
      );
      for (const client of clients) client.close(CLOSE_GOING_AWAY, 'The dashboard is closing.');
      // A client that does not answer the close handshake soon is cut off.
      const timer = setTimeout(() => {
        for (const client of clients) client.terminate();
      }, CLOSE_GRACE_MS);
      await Promise.all(closed);
      clearTimeout(timer);
      wss.close();
    },
  };
}

/** One message of an authenticated client: errors are said back, the connection stays up. */
async function answer(session: ClientSession, data: RawData, isBinary: boolean): Promise<void> {
  const message = isBinary ? undefined : parseClientMessage(toText(data));
  try {
    if (!message) {
      session.send({
        type: 'error',
        message: 'Binary messages are not understood: send JSON text.',
      });
    } else if ('error' in message) session.send({ type: 'error', message: message.error });
    else await session.handle(message);
  } catch (error) {
    session.send({ type: 'error', message: serializeError(error).message });
  } finally {
    session.noteAnswered();
  }
}

function getByteLength(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((total, part) => total + part.length, 0);
  return data.byteLength;
}

function toText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}

/** Answers an upgrade with an HTTP error and closes the connection (no WebSocket is made). */
function refuseUpgrade(socket: Duplex, status: number, code: string, message: string): void {
  const body = JSON.stringify({ error: { message, code } });
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
