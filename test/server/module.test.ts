// The mia server module mounted in a real Express 5 app: its paths next to the app's own (every
// other path left to the app), the token only where the auth mode asks for it, the same-origin
// rule of an embedded module, its socket on a `.ws()` router, and runs emitted on a bus.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { getTraceId } from '../../src/events/types.js';
import {
  createUpgradeRouter,
  createWorkflowModule,
  type WorkflowModule,
  type WorkflowModuleOptions,
} from '../../src/index.js';
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

type Emitted = { type: string; payload: unknown; channel?: string; traceId?: string };

/** An Express 5 app of its own routes, with the module mounted first, as a host would. */
async function mountInExpress(options: WorkflowModuleOptions = {}, isInitialized = true) {
  const workspace = await createWorkspace();
  const emitted: Emitted[] = [];
  const bus = {
    emit: (type: string, payload: unknown, channel?: string, traceId?: string) =>
      emitted.push({
        type,
        payload,
        ...(channel ? { channel } : {}),
        ...(traceId ? { traceId } : {}),
      }),
  };
  module = createWorkflowModule({ pollMs: 50, ...options });
  if (isInitialized) {
    await module.initialize({ config: { workspace }, logger: { warn: () => {} }, bus });
  }
  const app = express();
  app.use(express.json());
  module.routes(app);
  app.get('/hello', (_req, res) => {
    res.json({ from: 'the host app' });
  });
  app.get('/', (_req, res) => {
    res.send('the workbench');
  });
  server = createServer(app);
  const router = createUpgradeRouter();
  module.wsHandlers(router);
  server.on('upgrade', router.handleUpgrade);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { workspace, port, token: module.token, emitted };
}

const APPROVE = '/api/workflow/runs/20990101-000000-ffffff/steps/ship/approve';

describe('the workflow module', () => {
  it('describes itself as the mia module "workflow" with the package version', () => {
    const made = createWorkflowModule({ workspace: '/tmp' });
    expect(made.name).toBe('workflow');
    expect(made.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(made.dependencies).toEqual([]);
    expect(made.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  it('serves reads under /api/workflow/ and the page under /workflow/, leaving every other path to the app', async () => {
    const { port } = await mountInExpress();
    expect((await request(port, '/api/workflow/runs')).json).toEqual([]);
    expect((await request(port, '/hello')).json).toEqual({ from: 'the host app' });
    expect((await request(port, '/')).text).toBe('the workbench');
    expect((await request(port, '/api/health')).status).toBe(404);
    expect((await request(port, '/workflow')).headers.location).toBe('workflow/');
    const unknown = await request(port, '/api/workflow/unknown');
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ error: { code: 'MIA_SERVER_NOT_FOUND' } });
  });

  it('wants its token to act by default, and not when the host vouches for every request', async () => {
    const { port, token } = await mountInExpress();
    const refused = await request(port, APPROVE, { method: 'POST', body: {} });
    expect(refused.status).toBe(401);
    expect(refused.json).toMatchObject({ error: { code: 'MIA_SERVER_TOKEN' } });
    expect((await request(port, APPROVE, { method: 'POST', token, body: {} })).status).not.toBe(
      401,
    );
    await module?.dispose();
    server?.closeAllConnections();
    server?.close();

    const hosted = await mountInExpress({ auth: 'host' });
    const answer = await request(hosted.port, APPROVE, { method: 'POST', body: {} });
    expect(answer.status).not.toBe(401);
    expect(answer.json).toMatchObject({ error: { code: 'MIA_STORE_RUN_NOT_FOUND' } });
  });

  it('wants its token to read too with auth "all"', async () => {
    const { port, token } = await mountInExpress({ auth: 'all' });
    expect((await request(port, '/api/workflow/runs')).status).toBe(401);
    expect((await request(port, '/api/workflow/runs', { token })).status).toBe(200);
  });

  it("answers under the host's own names, and refuses pages of another origin", async () => {
    const { port } = await mountInExpress({ trustedOrigins: ['ide.example:443'] });
    const own = { Host: 'mia.example:8080', Origin: 'http://mia.example:8080' };
    expect((await request(port, '/api/workflow/runs', { headers: own })).status).toBe(200);
    const proxied = {
      Host: '127.0.0.1',
      'X-Forwarded-Host': 'mia.example',
      Origin: 'https://mia.example',
    };
    expect((await request(port, '/api/workflow/runs', { headers: proxied })).status).toBe(200);
    const trusted = { Host: 'mia.example', Origin: 'https://ide.example' };
    expect((await request(port, '/api/workflow/runs', { headers: trusted })).status).toBe(200);
    for (const origin of ['http://evil.example', 'null', 'http://mia.example:8081']) {
      const answer = await request(port, '/api/workflow/runs', {
        headers: { Host: 'mia.example:8080', Origin: origin },
      });
      expect(answer.status, origin).toBe(403);
      expect(answer.json).toMatchObject({ error: { code: 'MIA_SERVER_BAD_ORIGIN' } });
    }
  });

  it('reads an approve body that express.json() already parsed', async () => {
    const { port, token } = await mountInExpress();
    const answer = await request(port, APPROVE, {
      method: 'POST',
      token,
      body: { reject: 'not a boolean' },
    });
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ error: { code: 'MIA_SERVER_BAD_BODY' } });
  });

  it('answers 503 on its own paths until it is initialized, and leaves the others to the app', async () => {
    const { port } = await mountInExpress({}, false);
    const early = await request(port, '/api/workflow/runs');
    expect(early.status).toBe(503);
    expect(early.json).toMatchObject({ error: { code: 'MIA_SERVER_NOT_STARTED' } });
    expect((await request(port, '/hello')).status).toBe(200);
    expect(module?.workspace).toBeUndefined();
  });

  it('streams runs on its socket at /api/workflow/ws, registered on a .ws() router', async () => {
    const { workspace, port } = await mountInExpress();
    expect(module?.workspace).toBe(workspace);
    const client = await TestClient.connect(port, { path: '/api/workflow/ws' });
    await client.waitFor(isMessage('auth'));
    client.send({ type: 'subscribe', channel: 'workflow:*' });
    await client.waitFor(isMessage('subscribed'));
    const log = await createRunLog(workspace, 'run-express');
    appendLogEvents(log, 5);
    await log.close();
    await client.waitForSeq('run-express', 6);
    expect(seqsOf(client.events('run-express'))).toEqual(range(1, 6));
    client.close();

    const narrative = await TestClient.connect(port, { path: '/api/ws/narrative' }).catch(
      (error: { status?: number }) => error.status,
    );
    expect(narrative).toBe(404);
  });

  it("refuses its socket to a page of another origin, and takes the host's own page under the host's name", async () => {
    const { port } = await mountInExpress();
    const options = { path: '/api/workflow/ws', host: 'mia.example:8080' };
    const foreign = await TestClient.connect(port, { ...options, origin: 'http://evil.example' })
      .then(() => 0)
      .catch((error: { status?: number }) => error.status);
    expect(foreign).toBe(403);
    const own = await TestClient.connect(port, { ...options, origin: 'http://mia.example:8080' });
    await own.waitFor(isMessage('auth'));
    expect(own.messages[0]).toEqual({ type: 'auth', status: 'ok' });
    own.close();
  });

  it('emits every event of every run on the bus, step log lines aside, with the run trace id', async () => {
    const { workspace, emitted } = await mountInExpress();
    const log = await createRunLog(workspace, 'run-bus');
    appendLogEvents(log, 3);
    log.append('workflow.completed', { durationMs: 5 });
    await log.close();
    await expect
      .poll(() => emitted.some((e) => e.type === 'workflow.completed'), { timeout: 20_000 })
      .toBe(true);
    expect(emitted.map((e) => e.type)).toEqual(['workflow.started', 'workflow.completed']);
    expect(emitted[0]).toMatchObject({
      channel: 'workflow:run-bus',
      traceId: getTraceId('run-bus'),
      payload: { workflow: 'demo' },
    });
  });

  it('follows the runs once when initialized twice at once, and stops for good when disposed', async () => {
    const { workspace } = await mountInExpress({}, false);
    const onFirstBus: string[] = [];
    const first = { emit: (type: string) => onFirstBus.push(type) };
    const ctx = { config: { workspace }, bus: first };
    await Promise.all([module?.initialize(ctx), module?.initialize(ctx)]);
    const log = await createRunLog(workspace, 'run-twice');
    log.append('workflow.completed', { durationMs: 5 });
    await log.close();
    await expect
      .poll(() => onFirstBus.includes('workflow.completed'), { timeout: 20_000 })
      .toBe(true);
    expect(onFirstBus).toEqual(['workflow.started', 'workflow.completed']);

    // Disposed, then started again on another bus: a run reaches that bus only.
    await module?.dispose();
    const onSecondBus: string[] = [];
    await module?.initialize({
      config: { workspace },
      bus: { emit: (type) => onSecondBus.push(type) },
    });
    const later = await createRunLog(workspace, 'run-later');
    later.append('workflow.completed', { durationMs: 5 });
    await later.close();
    await expect
      .poll(() => onSecondBus.includes('workflow.completed'), { timeout: 20_000 })
      .toBe(true);
    expect(onSecondBus).toEqual(['workflow.started', 'workflow.completed']);
    expect(onFirstBus).toEqual(['workflow.started', 'workflow.completed']);
  });

  it("tells the host's logger, and goes on, when the host's bus throws or rejects an event", async () => {
    const workspace = await createWorkspace();
    const warnings: string[] = [];
    const bus = {
      emit: (type: string) => {
        if (type === 'workflow.started') throw new Error('the bus is full');
        return Promise.reject(new Error('the bus is away'));
      },
    };
    module = createWorkflowModule({ pollMs: 50 });
    await module.initialize({
      config: { workspace },
      bus,
      logger: { warn: (m) => warnings.push(m) },
    });
    const log = await createRunLog(workspace, 'run-bus-fails');
    log.append('workflow.completed', { durationMs: 5 });
    await log.close();
    await expect.poll(() => warnings.length, { timeout: 20_000 }).toBe(2);
    expect(warnings).toEqual([
      'workflow: A feed listener failed: the bus is full',
      "workflow: The host's bus failed to take a workflow.completed event: the bus is away",
    ]);
  });

  it("takes a mia host's whole context at initialize, and serves the workspace its config names", async () => {
    const workspace = await createWorkspace();
    const emitted: string[] = [];
    module = createWorkflowModule();
    // The host's MiaServerContext as it is written: {app, wsRouter, config, logger, bus, getModule}.
    await module.initialize({
      app: express(),
      wsRouter: createUpgradeRouter(),
      config: { workspace },
      logger: { info: () => {}, warn: () => {} },
      bus: { emit: (type: string) => emitted.push(type) },
      getModule: () => undefined,
    });
    expect(module.workspace).toBe(workspace);
  });
});
