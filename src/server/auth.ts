// Who may talk to the module: a token, and Host/Origin checks against DNS rebinding and pages of
// other origins (strict when the module is the whole server, same-origin when a host serves it).

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

/** Who may reach the module, and what needs its token. */
export interface AccessPolicy {
  /**
   * Set when the module is the whole server (`mia dashboard`): `Host` must name this server and an
   * `Origin` its own page. Absent, the module is embedded: `Host` is the host's business and an
   * `Origin` must name the same host as the request (see checkSameOrigin).
   */
  server?: AccessOptions;
  /** Embedded: origins (`host:port`, an origin URL, or `*`) accepted besides the request's own host. */
  trustedOrigins?: readonly string[];
  /** Reading (GET routes, the socket) needs the token. */
  isTokenNeededToRead: boolean;
  /** Acting (resume, approve) needs the token. */
  isTokenNeededToAct: boolean;
}

/** Checks where a request comes from, by the policy (the token is checked apart). */
export function checkAccess(
  request: IncomingMessage,
  policy: AccessPolicy,
): AccessRefusal | undefined {
  return policy.server
    ? checkHostAndOrigin(request, policy.server)
    : checkSameOrigin(request, policy.trustedOrigins ?? []);
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
    'This needs the access token: open the URL that `mia dashboard` printed (in a mia host: /workflow/?token=… with the token its log shows), or send `Authorization: Bearer <token>`.',
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

/**
 * Checks, for a module embedded in a host, that a browser page calling it is one of the host's own:
 * an `Origin`, when present, must name the host the request was made to (`Forwarded: host=`, else
 * `X-Forwarded-Host`, else `Host`, as the mia host itself decides) or a trusted origin. Requests
 * without `Origin` (not from a page) pass, as they do in the host.
 */
export function checkSameOrigin(
  request: IncomingMessage,
  trustedOrigins: readonly string[],
): AccessRefusal | undefined {
  const origin = request.headers.origin;
  if (origin === undefined) return undefined;
  let page: URL | undefined;
  try {
    page = new URL(origin);
  } catch {
    page = undefined;
  }
  const host = getForwardedHost(request);
  const pageHost = page?.host.toLowerCase();
  if (pageHost !== undefined && pageHost !== '') {
    const isTrusted = trustedOrigins.some(
      (trusted) => trusted === '*' || normalizeHost(trusted, page?.protocol) === pageHost,
    );
    if (isTrusted) return undefined;
    if (host !== undefined && normalizeHost(host, page?.protocol) === pageHost) return undefined;
  }
  return {
    status: 403,
    code: 'MIA_SERVER_BAD_ORIGIN',
    message: `Origin ${JSON.stringify(origin)} is not this server's (${host ?? 'no Host header'}): only the server's own pages may call the workflow module.`,
  };
}

/** The host a request was made to, as a proxy in front passed it on. */
function getForwardedHost(request: IncomingMessage): string | undefined {
  const forwarded = getFirst(request.headers.forwarded);
  const fromForwarded = forwarded
    ?.split(/[;,]/)
    .map((part) => part.trim().split('='))
    .find(([key, value]) => key?.toLowerCase() === 'host' && value)?.[1];
  const fromHeader = getFirst(request.headers['x-forwarded-host'])?.split(',')[0];
  const host = fromForwarded ?? fromHeader ?? request.headers.host;
  return host?.trim().replace(/^"(.*)"$/, '$1') || undefined;
}

/**
 * `host[:port]` (or an origin) as a URL of that scheme writes it (a default port dropped),
 * lowercase.
 */
function normalizeHost(host: string, protocol = 'http:'): string | undefined {
  try {
    return new URL(host.includes('://') ? host : `${protocol}//${host}`).host.toLowerCase();
  } catch {
    return undefined;
  }
}

function getFirst(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
