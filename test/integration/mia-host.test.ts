// The package mounted in a mia host built the way mia-code-server is (test/helpers/mia-host.ts),
// loaded through its default export as the host's loader does: the host's routes stay whole, the
// runs of another `mia` process reach the host's bus and its own narrative socket, the module
// answers under the host's names, its socket works, and dispose() leaves nothing behind.

import { createHook } from 'node:async_hooks';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { getTraceId } from '../../src/events/types.js';
import { createWorkspace, PACKAGE_ROOT } from '../helpers/cli.js';
import { startLiveRun } from '../helpers/live-run.js';
import { type MiaHost, type MiaModuleShape, startMiaHost } from '../helpers/mia-host.js';
import { readRunEvents } from '../helpers/run-files.js';
import { isMessage, request, TestClient } from '../server/helpers.js';

const DEMO = `name: demo
narrative: "A small change reaches its readers"
steps:
  - { id: write, action: shell, beat: "The change is written", with: { run: "echo written" } }
  - { id: check, action: shell, depends_on: [write], beat: "It holds", with: { run: "echo checked" } }
`;

/** The host's own name, as a browser on another machine reaches it. */
const HOST_NAME = 'ide.mia.example:8080';
const OWN_PAGE = { Host: HOST_NAME, Origin: `http://${HOST_NAME}`, Connection: 'close' };

let host: MiaHost | undefined;
afterEach(async () => {
  await host?.close();
  host = undefined;
});

/** Resources that last until closed (promises and one-off requests aside). */
const LASTING_KINDS = new Set([
  'Timeout',
  'Immediate',
  'FSEVENTWRAP',
  'STATWATCHER',
  'TCPWRAP',
  'TCPSERVERWRAP',
  'PIPEWRAP',
  'PROCESSWRAP',
]);

/**
 * Follows the timers, watchers and sockets the package's own code creates (their creation stack
 * runs through its dist/, or src/ where source maps lead), referenced or not, until each is gone.
 */
function trackPackageResources() {
  const live = new Map<number, string>();
  const code = [join(PACKAGE_ROOT, 'dist'), join(PACKAGE_ROOT, 'src')];
  const hook = createHook({
    init(asyncId, type) {
      if (!LASTING_KINDS.has(type)) return;
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 40;
      const stack = new Error().stack ?? '';
      Error.stackTraceLimit = limit;
      if (code.some((folder) => stack.includes(folder))) live.set(asyncId, type);
    },
    destroy(asyncId) {
      live.delete(asyncId);
    },
  }).enable();
  return {
    /** Waits (20 s at most) until none is left; returns the kinds of those that are. */
    async waitForNone(): Promise<string[]> {
      const giveUpAt = Date.now() + 20_000;
      while (live.size > 0 && Date.now() < giveUpAt) await setTimeout(50);
      hook.disable();
      return [...live.values()].sort();
    },
  };
}

/** Imports the package as a mia host's loader does: by its keyword, then its default export. */
async function loadAsHost(): Promise<MiaModuleShape> {
  const manifest = JSON.parse(await readFile(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
    keywords: string[];
    exports: { '.': { default: string } };
  };
  expect(manifest.keywords).toContain('mia-module');
  const entry = pathToFileURL(join(PACKAGE_ROOT, manifest.exports['.'].default)).href;
  return ((await import(entry)) as { default: MiaModuleShape }).default;
}

describe('mia-workflow in a mia host', () => {
  it("keeps the host's routes, puts another process's run on its bus and narrative socket, answers under its names, and leaves nothing behind", async () => {
    const workspace = await createWorkspace({ demo: DEMO });
    host = await startMiaHost();
    const { port, bus } = host;
    const workflowModule = await loadAsHost();
    expect(workflowModule).toMatchObject({ name: 'workflow', version: expect.any(String) });
    const resources = trackPackageResources();
    await host.load(workflowModule, { workspace });
    host.addOwnRoutes();

    // The host's routes are its own.
    const health = await request(port, '/api/health', { headers: { Connection: 'close' } });
    expect(health.status).toBe(200);
    expect(health.json).toEqual({ status: 'ok', modules: ['workflow'] });
    expect((await request(port, '/', { headers: OWN_PAGE })).text).toContain('mia workbench');
    expect((await request(port, '/elsewhere', { headers: OWN_PAGE })).json).toEqual({
      error: 'Not Found (the host)',
    });

    // An IDE extension on the host's own narrative socket, which never subscribes.
    const ide = await TestClient.connect(port, { path: '/api/ws/narrative' });
    ide.send({ type: 'auth', token: 'whatever the host takes' });
    await ide.waitFor(isMessage('auth'));

    const run = startLiveRun(['workflow', 'run', 'demo'], { cwd: workspace });
    expect((await run.child).exitCode).toBe(0);
    const runId = run.runId() ?? '';
    const stored = await readRunEvents(workspace, runId);
    const shown = stored.filter((event) => event.type !== 'workflow.step.log');
    const isOfRun = (event: { channel?: string }) => event.channel?.endsWith(`:${runId}`) === true;
    await ide.waitFor((m) => m.type === 'workflow.completed' && isOfRun(m as { channel?: string }));

    // Every event of the run on the bus, logs aside, in order, with the run's trace id.
    const onBus = bus.recent.filter(isOfRun);
    expect(onBus.map((event) => event.type)).toEqual(shown.map((event) => event.type));
    expect(onBus.map((event) => event.channel)).toEqual(shown.map((event) => event.channel));
    const traceIds = new Set(onBus.map((event) => event.traceId));
    expect([...traceIds]).toEqual([
      (stored[0] as { traceId?: string }).traceId ?? getTraceId(runId),
    ]);
    const beats = ide.messages.filter((m) => m.type === 'beat.created' && isOfRun(m as never));
    expect(beats.length).toBe(shown.filter((event) => event.type === 'beat.created').length);
    expect(beats.length).toBeGreaterThan(0);

    // The module answers under the host's own name, for reads; acting wants its token.
    const runs = await request(port, '/api/workflow/runs', { headers: OWN_PAGE });
    expect(runs.status).toBe(200);
    expect(runs.json).toEqual([expect.objectContaining({ runId, status: 'completed' })]);
    const page = await request(port, '/workflow/', { headers: OWN_PAGE });
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    const resume = await request(port, `/api/workflow/runs/${runId}/resume`, {
      method: 'POST',
      headers: OWN_PAGE,
    });
    expect(resume.status).toBe(401);

    // Its own socket, for its page, with the run's log lines too.
    const pageSocket = await TestClient.connect(port, {
      path: '/api/workflow/ws',
      host: HOST_NAME,
      origin: `http://${HOST_NAME}`,
    });
    pageSocket.send({ type: 'subscribe', channel: `workflow:${runId}`, since: 0 });
    await pageSocket.waitFor(isMessage('replayed'));
    expect(pageSocket.events(runId).map((event) => event.id)).toEqual(
      stored.map((event) => event.id),
    );

    // dispose() closes what the module opened: its client is told, and nothing of it stays.
    ide.close();
    await workflowModule.dispose?.();
    expect((await pageSocket.closed).code).toBe(1001);
    expect(await resources.waitForNone()).toEqual([]);
  });
});
