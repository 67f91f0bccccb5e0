// The narrative socket's gate: token, Host and Origin checks, and what a client gets before them.

import { afterEach, describe, expect, it } from 'vitest';
import type { DashboardServer, DashboardServerOptions } from '../../src/server/standalone.js';
import {
  appendLogEvents,
  createRunLog,
  isMessage,
  startTestServer,
  TestClient,
} from './helpers.js';

let server: DashboardServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(socket?: DashboardServerOptions['socket']) {
  const started = await startTestServer(socket ? { socket } : {});
  server = started.server;
  return started;
}

/** The HTTP status an upgrade is refused with. */
async function refusal(promise: Promise<TestClient>): Promise<number> {
  const error = (await promise.then(
    () => ({ status: 0 }),
    (e: unknown) => e,
  )) as { status?: number };
  return error.status ?? -1;
}

describe('narrative socket authentication', () => {
  it('accepts the token in the Authorization header and says so first', async () => {
    const { port, token } = await start();
    const client = await TestClient.connect(port, { token });
    await client.waitFor(isMessage('auth'));
    expect(client.messages[0]).toEqual({ type: 'auth', status: 'ok' });
    client.close();
  });

  it('accepts the token in the query string', async () => {
    const { port, token } = await start();
    const client = await TestClient.connect(port, { query: `?token=${token}` });
    await client.waitFor(isMessage('auth'));
    expect(client.messages[0]).toEqual({ type: 'auth', status: 'ok' });
    client.close();
  });

  it('accepts the token in a first auth message, sending nothing before it', async () => {
    const { port, token, workspace } = await start();
    const client = await TestClient.connect(port);
    // A run writes while the client has not authenticated: none of it may reach the client.
    const log = await createRunLog(workspace, 'run-before-auth');
    appendLogEvents(log, 20);
    await log.close();
    expect(client.messages).toEqual([]);
    client.send({ type: 'auth', token });
    await client.waitFor(isMessage('auth'));
    expect(client.messages).toEqual([{ type: 'auth', status: 'ok' }]);
    client.send({ type: 'ping' });
    await client.waitFor(isMessage('pong'));
    client.close();
  });

  it('refuses a wrong token in the first message with auth refused, then closes with 1008', async () => {
    const { port } = await start();
    const client = await TestClient.connect(port);
    client.send({ type: 'auth', token: 'not-the-token' });
    expect((await client.closed).code).toBe(1008);
    expect(client.messages).toEqual([{ type: 'auth', status: 'refused' }]);
  });

  it('refuses a client that never authenticates, whatever it sent meanwhile, answering none of it', async () => {
    const { port } = await start({ authTimeoutMs: 100 });
    const chatty = await TestClient.connect(port);
    chatty.send({ type: 'subscribe', channel: 'workflow:*' });
    chatty.send({ type: 'ping' });
    expect((await chatty.closed).code).toBe(1008);
    expect(chatty.messages).toEqual([{ type: 'auth', status: 'refused' }]);

    const silent = await TestClient.connect(port);
    expect((await silent.closed).code).toBe(1008);
    expect(silent.messages).toEqual([{ type: 'auth', status: 'refused' }]);
  });

  it('refuses a client that sends more than 32 messages before its auth', async () => {
    const { port } = await start();
    const flood = await TestClient.connect(port);
    for (let i = 0; i < 40; i += 1) flood.send({ type: 'ping' });
    const closed = await flood.closed;
    expect(closed).toEqual({
      code: 1008,
      reason: 'authenticate first (at most 32 messages, 16 KiB before)',
    });
    expect(flood.messages).toEqual([{ type: 'auth', status: 'refused' }]);
  });

  it('refuses a client that sends more than 16 KiB before its auth', async () => {
    const { port } = await start();
    const hoarder = await TestClient.connect(port);
    for (let i = 0; i < 3; i += 1) hoarder.send({ type: 'ping', padding: 'x'.repeat(6000) });
    expect((await hoarder.closed).code).toBe(1008);
    expect(hoarder.messages).toEqual([{ type: 'auth', status: 'refused' }]);
  });

  it('refuses at once an auth message whose token is not a string', async () => {
    const { port } = await start();
    const client = await TestClient.connect(port);
    client.send({ type: 'auth', token: { $ne: null } });
    expect((await client.closed).code).toBe(1008);
    expect(client.messages).toEqual([{ type: 'auth', status: 'refused' }]);
  });

  it('drops what a client sent before a wrong token', async () => {
    const { port } = await start();
    const client = await TestClient.connect(port);
    client.send({ type: 'subscribe', channel: 'workflow:*' });
    client.send({ type: 'auth', token: 'not-the-token' });
    expect((await client.closed).code).toBe(1008);
    expect(client.messages).toEqual([{ type: 'auth', status: 'refused' }]);
  });

  it('refuses the upgrade with 401 when the header or query holds a wrong token', async () => {
    const { port } = await start();
    expect(await refusal(TestClient.connect(port, { token: 'wrong' }))).toBe(401);
    expect(await refusal(TestClient.connect(port, { query: '?token=wrong' }))).toBe(401);
  });

  it.each(['http://evil.example', 'null', 'http://127.0.0.1.evil.com', 'https://127.0.0.1'])(
    'refuses a browser page of origin %s, even with the token',
    async (origin) => {
      const { port, token } = await start();
      expect(await refusal(TestClient.connect(port, { token, origin }))).toBe(403);
    },
  );

  it('accepts a page of its own origin (127.0.0.1, localhost or [::1] on its port)', async () => {
    const { port, token } = await start();
    for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`]) {
      const client = await TestClient.connect(port, { token, origin });
      await client.waitFor(isMessage('auth'));
      client.close();
    }
    expect(await refusal(TestClient.connect(port, { token, origin: 'http://127.0.0.1:1' }))).toBe(
      403,
    );
  });

  it('refuses a Host that is not its own (DNS rebinding), even with the token', async () => {
    const { port, token } = await start();
    expect(await refusal(TestClient.connect(port, { token, host: `evil.example:${port}` }))).toBe(
      403,
    );
    expect(await refusal(TestClient.connect(port, { token, host: '127.0.0.1:1' }))).toBe(403);
    const client = await TestClient.connect(port, { token, host: `localhost:${port}` });
    await client.waitFor(isMessage('auth'));
    client.close();
  });

  it('refuses upgrades on any other path', async () => {
    const { port, token } = await start();
    const other = TestClient.connect(port, { token, query: '/../other' });
    expect(await refusal(other)).toBeGreaterThanOrEqual(400);
  });
});
