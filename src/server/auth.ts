// Who may talk to the dashboard: a per-start token, and Host/Origin checks against DNS rebinding
// and pages of other origins.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** A fresh access token (24 random bytes, base64url): one per server start. */
export function createToken(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * True when `given` is the token. Compared in constant time: both sides are hashed first, so the
 * buffers given to timingSafeEqual always have the same length.
 */
export function isTokenValid(expected: string, given: string | undefined | null): boolean {
  if (typeof given !== 'string' || given === '') return false;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

/** The token a request carries: `Authorization: Bearer <t>` first, else `?token=`. */
export function getRequestToken(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match?.[1]) return match[1];
  }
  const query = getRequestUrl(request).searchParams.get('token');
  return query === null || query === '' ? undefined : query;
}

/** The request's path and query as a URL (the host part is a placeholder, never trusted). */
export function getRequestUrl(request: IncomingMessage): URL {
  return new URL(request.url ?? '/', 'http://mia.invalid');
}

/** Which host names a request may name in `Host` and `Origin`. */
export interface AccessOptions {
  /** The host the server was told to listen on (`--host`); a wildcard allows the local address. */
  host?: string;
}

/** Why a request is refused, as an HTTP status and a message that says what to do. */
export interface AccessRefusal {
  status: 401 | 403;
  code: string;
  message: string;
}

/** The refusal of a request without the token, or with a wrong one. */
export const WRONG_TOKEN: AccessRefusal = {
  status: 401,
  code: 'MIA_SERVER_TOKEN',
  message:
    'This needs the access token: open the URL that `mia dashboard` printed, or send `Authorization: Bearer <token>`.',
};

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]', '']);

/**
 * Checks the `Host` and `Origin` of a request (the token is checked apart). `Host` must name this
 * server: `127.0.0.1`, `localhost`, `[::1]` or the configured host, with the port the connection
 * came in on; anything else is a DNS-rebinding attempt. An `Origin`, when present, must be
 * `http://` + one of those hosts: a page of any other origin (`null` included) is refused.
 */
export function checkHostAndOrigin(
  request: IncomingMessage,
  options: AccessOptions = {},
): AccessRefusal | undefined {
  const allowed = getAllowedHosts(request, options);
  const host = request.headers.host;
  if (typeof host !== 'string' || !allowed.has(host.toLowerCase())) {
    return {
      status: 403,
      code: 'MIA_SERVER_BAD_HOST',
      message: `Host ${JSON.stringify(host ?? '')} is not this dashboard's; open the URL that \`mia dashboard\` printed.`,
    };
  }
  const origin = request.headers.origin;
  if (origin === undefined) return undefined;
  if (!allowed.has(stripHttp(origin))) {
    return {
      status: 403,
      code: 'MIA_SERVER_BAD_ORIGIN',
      message: `Origin ${JSON.stringify(origin)} may not use this dashboard: only its own page can.`,
    };
  }
  return undefined;
}

/** The `host:port` values a request to this connection may name (lowercase). */
function getAllowedHosts(request: IncomingMessage, options: AccessOptions): Set<string> {
  const port = request.socket.localPort;
  const names = [...LOOPBACK_NAMES];
  const configured = options.host?.toLowerCase();
  if (configured !== undefined && !WILDCARD_HOSTS.has(configured)) {
    names.push(
      configured.includes(':') && !configured.startsWith('[') ? `[${configured}]` : configured,
    );
  } else if (configured !== undefined) {
    // Listening on every interface: the address this connection arrived on names the server.
    // An IP literal can never be a rebound DNS name, so this stays safe against rebinding.
    const local = (request.socket.localAddress ?? '').replace(/^::ffff:/, '');
    if (local !== '') names.push(local.includes(':') ? `[${local}]` : local);
  }
  const hosts = new Set<string>();
  for (const name of names) {
    hosts.add(`${name}:${port}`);
    if (port === 80) hosts.add(name);
  }
  return hosts;
}

/** `http://host:port` → `host:port`; anything else (https, `null`, paths) → a value never allowed. */
function stripHttp(origin: string): string {
  const lower = origin.toLowerCase();
  return lower.startsWith('http://') ? lower.slice('http://'.length) : '\0';
}
