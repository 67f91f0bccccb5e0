// The mia VS Code extensions' narrative client, as it is, against `mia dashboard`: it never
// subscribes, authenticates by message, and on reconnecting asks for a replay (before its auth)
// after the last event id it saw. It must see a whole run of another `mia` process, live and then
// replayed after a dropped connection, every event once, and never be refused.

import { afterEach, describe, expect, it } from 'vitest';
import { createWorkspace, runMia } from '../helpers/cli.js';
import { type RunningDashboard, startDashboard } from '../helpers/dashboard.js';
import { ExtensionClient } from '../helpers/extension-client.js';
import { isEvent, startLiveRun } from '../helpers/live-run.js';
import { readRunEvents } from '../helpers/run-files.js';

const GATED = `name: gated
narrative: "A change waits for a person, then lands"
steps:
  - { id: build, action: shell, beat: "It builds", with: { run: "echo built" } }
  - { id: ship, action: approve, depends_on: [build], with: { prompt: "Ship it?" } }
  - { id: land, action: shell, depends_on: [ship], beat: "It lands", with: { run: "echo landed" } }
  - { id: tell, action: shell, depends_on: [land], with: { run: "echo told" } }
`;

let dashboard: RunningDashboard | undefined;
let client: ExtensionClient | undefined;
afterEach(async () => {
  client?.dispose();
  await dashboard?.stop();
  dashboard = undefined;
});

describe('the mia extensions narrative client', () => {
  it('sees a whole run of another process, live and replayed after a dropped connection, each event once, never refused', async () => {
    const workspace = await createWorkspace({ gated: GATED });
    dashboard = await startDashboard(workspace);
    const printed = new URL(dashboard.url);
    const token = printed.searchParams.get('token') ?? '';
    // The token comes from the extension's secret storage: later than the socket opens.
    const readToken = () => new Promise<string>((resolve) => setTimeout(() => resolve(token), 20));
    const extension = new ExtensionClient(printed.origin, readToken);
    client = extension;
    extension.connect();
    await extension.waitFor((m) => m.type === 'auth' && m.status === 'ok');

    const run = startLiveRun(['workflow', 'run', 'gated'], { cwd: workspace });
    await run.waitForEvents(isEvent('workflow.step.waiting', 'ship'));
    const runId = run.runId() ?? '';
    // Live: the client, which never subscribed, sees the run up to its gate.
    await extension.waitFor((m) => m.type === 'workflow.step.waiting' && m.runId === runId);
    expect(extension.sent.flat().map((m) => m.type)).toEqual(['auth']);

    // The connection drops; the run goes on to its end meanwhile.
    extension.holdReconnect();
    extension.dropConnection();
    await extension.waitUntil(() => extension.closeCodes.length === 1);
    const approved = await runMia(['workflow', 'approve', runId, 'ship'], { cwd: workspace });
    expect(approved.exitCode, approved.stderr).toBe(0);
    expect((await run.child).exitCode).toBe(0);
    extension.releaseReconnect();
    await extension.waitFor((m) => m.type === 'workflow.completed' && m.runId === runId);

    // Reconnected: the replay went before the auth, and was answered, not refused.
    const [first, again] = extension.sent;
    expect(first?.map((m) => m.type)).toEqual(['auth']);
    expect(again?.map((m) => m.type)).toEqual(['replay', 'auth']);
    expect(extension.closeCodes).toEqual([1006]);
    const stored = (await readRunEvents(workspace, runId)).filter(
      (event) => event.type !== 'workflow.step.log',
    );
    expect(stored.some((event) => event.type === 'beat.created')).toBe(true);
    expect(extension.events(runId).map((event) => event.id)).toEqual(
      stored.map((event) => event.id),
    );
  });

  it('catches up through a dashboard restarted with the same MIA_DASHBOARD_TOKEN, from the last event it saw', async () => {
    const workspace = await createWorkspace({ gated: GATED });
    const token = 'the-token-kept-in-the-ide';
    const env = { MIA_DASHBOARD_TOKEN: token };
    dashboard = await startDashboard(workspace, { env });
    const origin = new URL(dashboard.url).origin;
    const extension = new ExtensionClient(origin, async () => token);
    client = extension;
    extension.connect();
    await extension.waitFor((m) => m.type === 'auth' && m.status === 'ok');

    const run = startLiveRun(['workflow', 'run', 'gated'], { cwd: workspace });
    await run.waitForEvents(isEvent('workflow.step.waiting', 'ship'));
    const runId = run.runId() ?? '';
    await extension.waitFor((m) => m.type === 'workflow.step.waiting' && m.runId === runId);

    // The dashboard stops; the run goes on to its end; a new dashboard takes the same port.
    await dashboard.stop();
    dashboard = undefined;
    await extension.waitUntil(() => extension.closeCodes.length > 0);
    expect(
      (await runMia(['workflow', 'approve', runId, 'ship'], { cwd: workspace })).exitCode,
    ).toBe(0);
    expect((await run.child).exitCode).toBe(0);
    dashboard = await startDashboard(workspace, { env, port: Number(new URL(origin).port) });
    await extension.waitFor((m) => m.type === 'workflow.completed' && m.runId === runId);

    expect(extension.closeCodes.every((code) => code !== 1008)).toBe(true);
    expect(extension.sent.at(-1)?.map((m) => m.type)).toEqual(['replay', 'auth']);
    const stored = (await readRunEvents(workspace, runId)).filter(
      (event) => event.type !== 'workflow.step.log',
    );
    expect(extension.events(runId).map((event) => event.id)).toEqual(
      stored.map((event) => event.id),
    );
  });
});
