// What an authenticated client may send: bad messages are answered with errors (the connection
// stays up), oversized frames close it with 1009, and dead clients are cut off by the heartbeat.

import { afterEach, describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../src/server/protocol.js';
import type { DashboardServer, DashboardServerOptions } from '../../src/server/standalone.js';
import { isMessage, startTestServer, TestClient } from './helpers.js';

let server: DashboardServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function connect(socket?: DashboardServerOptions['socket']) {
  const started = await startTestServer(socket ? { socket } : {});
  server = started.server;
  const client = await TestClient.connect(started.port, { token: started.token });
  await client.waitFor(isMessage('auth'));
  return { ...started, client };
}

/** Sends a message and resolves with the next error the server answers. */
async function errorFor(client: TestClient, message: unknown): Promise<string> {
  const before = client.messages.filter(isMessage('error')).length;
  client.send(message);
  const errors = await client.waitFor(isMessage('error'), before + 1);
  return (errors.at(-1) as Extract<ServerMessage, { type: 'error' }>).message;
}

describe('narrative socket messages', () => {
  it('answers malformed JSON and unknown messages with an error and stays up', async () => {
    const { client } = await connect();
    expect(await errorFor(client, '{not json')).toMatch(/not JSON/);
    expect(await errorFor(client, '[1,2]')).toMatch(/not a JSON object/);
    expect(await errorFor(client, { type: 'explode' })).toMatch(/Unknown message type "explode"/);
    expect(await errorFor(client, { type: 'subscribe' })).toMatch(/needs a "channel"/);
    expect(await errorFor(client, { type: 'replay', channel: 'workflow:*' })).toMatch(/since/);
    expect(await errorFor(client, { type: 'replay', since: 3 })).toMatch(/event id/);
    expect(await errorFor(client, { type: 'replay', since: '' })).toMatch(/since/);
    expect(await errorFor(client, { type: 'subscribe', channel: 7 })).toMatch(/"channel"/);
    expect(await errorFor(client, { type: 'subscribe', channel: 'workflow:*', since: -1 })).toMatch(
      /since/,
    );
    client.send({ type: 'ping' });
    await client.waitFor(isMessage('pong'));
    client.close();
  });

  it.each([
    'workflow:../../etc',
    'workflow:%2Fetc',
    'workflow:a\u0000b',
    'workflow:',
    'run:20261123-100000-abcdef',
    'workflow:a/b',
    'stc:../x',
    'beats:*',
  ])('refuses the channel %j with an error naming the accepted forms', async (channel) => {
    const { client } = await connect();
    expect(await errorFor(client, { type: 'subscribe', channel })).toMatch(
      /Unknown channel .*workflow:<run-id>, workflow:\*, stc:<run-id> or stc:\*/,
    );
    client.close();
  });

  it('acknowledges subscribe and unsubscribe; replaying an unknown run is an error', async () => {
    const { client } = await connect();
    client.send({ type: 'subscribe', channel: 'workflow:20261123-100000-abcdef' });
    await client.waitFor(isMessage('subscribed'));
    client.send({ type: 'unsubscribe', channel: 'workflow:20261123-100000-abcdef' });
    await client.waitFor(isMessage('unsubscribed'));
    expect(
      await errorFor(client, {
        type: 'replay',
        channel: 'workflow:20261123-100000-abcdef',
        since: 0,
      }),
    ).toMatch(/No event log/);
    client.close();
  });

  it('closes a client that sends a frame over the size limit with 1009, and keeps serving others', async () => {
    const { client, port, token } = await connect({ maxPayload: 1024 });
    client.send({ type: 'ping', padding: 'x'.repeat(4096) });
    expect((await client.closed).code).toBe(1009);
    const other = await TestClient.connect(port, { token });
    await other.waitFor(isMessage('auth'));
    other.close();
  });

  it('uses a 64 KiB message limit by default', async () => {
    const { client } = await connect();
    client.send({ type: 'ping', padding: 'x'.repeat(60 * 1024) });
    await client.waitFor(isMessage('pong'));
    client.send({ type: 'ping', padding: 'x'.repeat(70 * 1024) });
    expect((await client.closed).code).toBe(1009);
  });

  it('terminates a client that stops answering pings, and keeps one that answers', async () => {
    const { port, token, client } = await connect({ heartbeatMs: 50 });
    const dead = await TestClient.connect(port, { token, autoPong: false });
    await dead.waitFor(isMessage('auth'));
    expect((await dead.closed).code).toBe(1006);
    client.send({ type: 'ping' });
    await client.waitFor(isMessage('pong'));
    client.close();
  });
});
