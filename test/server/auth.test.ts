// The access checks on their own: the token comparison, and which Host and Origin values pass.

import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import {
  checkHostAndOrigin,
  createToken,
  getRequestToken,
  isTokenValid,
} from '../../src/server/auth.js';

/** A request as the checks see it: headers, URL, and the local end of its connection. */
function fakeRequest(
  headers: Record<string, string>,
  options: { url?: string; localPort?: number; localAddress?: string } = {},
): IncomingMessage {
  return {
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
    url: options.url ?? '/',
    socket: {
      localPort: options.localPort ?? 4817,
      localAddress: options.localAddress ?? '127.0.0.1',
    },
  } as unknown as IncomingMessage;
}

describe('tokens', () => {
  it('makes a fresh 32-character base64url token each time', () => {
    const a = createToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(createToken()).not.toBe(a);
  });

  it.each([
    ['the token itself', 'secret-token', true],
    ['another token of the same length', 'secret-tokem', false],
    ['a prefix', 'secret', false],
    ['a longer value', 'secret-token-and-more', false],
    ['the empty string', '', false],
    ['nothing', undefined, false],
  ])('accepts only the exact token: %s', (_, given, expected) => {
    expect(isTokenValid('secret-token', given)).toBe(expected);
  });

  it('reads the token from a bearer header first, then from ?token=', () => {
    expect(
      getRequestToken(fakeRequest({ Authorization: 'Bearer abc' }, { url: '/?token=q' })),
    ).toBe('abc');
    expect(getRequestToken(fakeRequest({}, { url: '/api/workflow/runs?token=q' }))).toBe('q');
    expect(getRequestToken(fakeRequest({ Authorization: 'Basic abc' }))).toBeUndefined();
  });
});

describe('Host and Origin checks', () => {
  it.each([
    ['127.0.0.1:4817', undefined],
    ['localhost:4817', undefined],
    ['[::1]:4817', undefined],
    ['LOCALHOST:4817', undefined],
    ['evil.example:4817', 'MIA_SERVER_BAD_HOST'],
    ['127.0.0.1:80', 'MIA_SERVER_BAD_HOST'],
    ['127.0.0.1', 'MIA_SERVER_BAD_HOST'],
    ['127.0.0.1.evil.com:4817', 'MIA_SERVER_BAD_HOST'],
  ])('Host %s → %s', (host, code) => {
    expect(checkHostAndOrigin(fakeRequest({ Host: host }))?.code).toBe(code);
  });

  it('refuses a request without a Host header', () => {
    expect(checkHostAndOrigin(fakeRequest({}))?.code).toBe('MIA_SERVER_BAD_HOST');
  });

  it.each([
    ['http://127.0.0.1:4817', undefined],
    ['http://localhost:4817', undefined],
    ['http://[::1]:4817', undefined],
    ['http://evil.example', 'MIA_SERVER_BAD_ORIGIN'],
    ['null', 'MIA_SERVER_BAD_ORIGIN'],
    ['http://127.0.0.1.evil.com', 'MIA_SERVER_BAD_ORIGIN'],
    ['http://127.0.0.1.evil.com:4817', 'MIA_SERVER_BAD_ORIGIN'],
    ['https://127.0.0.1:4817', 'MIA_SERVER_BAD_ORIGIN'],
    ['http://127.0.0.1:4818', 'MIA_SERVER_BAD_ORIGIN'],
    ['', 'MIA_SERVER_BAD_ORIGIN'],
  ])('Origin %j → %s', (origin, code) => {
    const request = fakeRequest({ Host: '127.0.0.1:4817', Origin: origin });
    expect(checkHostAndOrigin(request)?.code).toBe(code);
  });

  it('also accepts the configured host, and on every interface the address reached', () => {
    const named = fakeRequest({ Host: 'box.lan:4817', Origin: 'http://box.lan:4817' });
    expect(checkHostAndOrigin(named, { host: 'box.lan' })).toBeUndefined();
    expect(checkHostAndOrigin(named)?.code).toBe('MIA_SERVER_BAD_HOST');
    const reached = fakeRequest({ Host: '10.0.0.5:4817' }, { localAddress: '::ffff:10.0.0.5' });
    expect(checkHostAndOrigin(reached, { host: '0.0.0.0' })).toBeUndefined();
    const rebound = fakeRequest({ Host: 'evil.example:4817' }, { localAddress: '10.0.0.5' });
    expect(checkHostAndOrigin(rebound, { host: '0.0.0.0' })?.code).toBe('MIA_SERVER_BAD_HOST');
  });
});
