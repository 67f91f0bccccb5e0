// The mia server module mounted in a real Express 5 app: its routes next to the app's own, and
// its socket through the upgrade router bound to the Express server's 'upgrade' event.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createUpgradeRouter, createWorkflowModule, type WorkflowModule } from '../../src/index.js';
import { createWorkspace } from '../helpers/cli.js';
import {
  appendLogEvents,
  createRunLog,
  isMessage,
  range,
  request,
  seqsOf,
  TestClient,
} from './helpers.js';

let module: WorkflowModule | undefined;
let server: Server | undefined;
afterEach(async () => {
  await module?.dispose();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  module = undefined;
  server = undefined;
});

async function mountInExpress() {
  const workspace = await createWorkspace();
  module = createWorkflowModule({ workspace, pollMs: 50 });
  await module.initialize({ logger: { warn: () => {} } });
  const app = express();
  app.use(express.json());
  module.routes(app);
  app.get('/hello', (_req, res) => {
    res.json({ from: 'the host app' });
  });
  server = createServer(app);
  const router = createUpgradeRouter();
  module.wsHandlers(router);
  server.on('upgrade', router.handleUpgrade);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { workspace, port, token: module.token };
}

describe('the workflow module', () => {
  it('describes itself as the mia module "workflow" with the package version', () => {
    const made = createWorkflowModule({ workspace: '/tmp' });
    expect(made.name).toBe('workflow');
    expect(made.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(made.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  it('serves its HTTP API inside an Express 5 app, leaving other routes to the app', async () => {
    const { port, token } = await mountInExpress();
    expect((await request(port, '/api/runs', { token })).json).toEqual([]);
    expect((await request(port, '/api/runs')).status).toBe(401);
    expect((await request(port, '/hello')).json).toEqual({ from: 'the host app' });
    const unknown = await request(port, '/api/unknown', { token });
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ error: { code: 'MIA_SERVER_NOT_FOUND' } });
  });

  it('reads an approve body that express.json() already parsed', async () => {
    const { port, token } = await mountInExpress();
    const answer = await request(port, '/api/runs/20990101-000000-ffffff/steps/ship/approve', {
      method: 'POST',
      token,
      body: { reject: 'not a boolean' },
    });
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ error: { code: 'MIA_SERVER_BAD_BODY' } });
  });

  it("streams runs over its socket through the router bound to the Express server's upgrade", async () => {
    const { workspace, port, token } = await mountInExpress();
    const client = await TestClient.connect(port, { token });
    client.send({ type: 'subscribe', channel: 'workflow:*' });
    await client.waitFor(isMessage('subscribed'));
    const log = await createRunLog(workspace, 'run-express');
    appendLogEvents(log, 5);
    await log.close();
    await client.waitForSeq('run-express', 6);
    expect(seqsOf(client.events('run-express'))).toEqual(range(1, 6));
    client.close();

    const elsewhere = await TestClient.connect(port, { token, query: '/../other' }).catch(
      (error: { status?: number }) => error.status,
    );
    expect(elsewhere).toBe(404);
  });
});
