// Resume and approve through the HTTP API, on real runs: a resume process that completes a failed
// run once its cause is fixed, and a gate of a live run (another process) released by the dashboard.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApprovalGiven, ResumeStarted } from '../../src/server/protocol.js';
import type { DashboardServer } from '../../src/server/standalone.js';
import { createWorkspace, runMia } from '../helpers/cli.js';
import { isEvent, startLiveRun } from '../helpers/live-run.js';
import { eventsFor, parseRunId, readRunEvents, type StoredEvent } from '../helpers/run-files.js';
import { request, startTestServer } from './helpers.js';

const FIXABLE = `name: fixable
narrative: "It works once the file is there"
steps:
  - { id: check, action: shell, with: { run: "test -f fixed.txt" } }
  - { id: ship, action: approve, depends_on: [check], with: { prompt: "Ship it?" } }
`;

const GATED = `name: gated
narrative: "A person decides when it ships"
steps:
  - { id: build, action: shell, with: { run: "echo built" } }
  - { id: ship, action: approve, depends_on: [build], with: { prompt: "Ship it?" } }
  - { id: after, action: shell, depends_on: [ship], with: { run: "echo shipped" } }
`;

let server: DashboardServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(workspace: string) {
  const started = await startTestServer({ workspace });
  server = started.server;
  return started;
}

/** Waits until the run's log ends with one of the run's final events. */
async function waitForEnd(workspace: string, runId: string): Promise<StoredEvent[]> {
  for (let i = 0; i < 400; i += 1) {
    const events = await readRunEvents(workspace, runId);
    const last = events.at(-1)?.type ?? '';
    if (['workflow.completed', 'workflow.failed', 'workflow.interrupted'].includes(last)) {
      if (events.some((e) => e.type === 'workflow.resumed')) return events;
    }
    await sleep(50);
  }
  throw new Error('the resumed run never ended');
}

describe('POST /api/workflow/runs/:id/resume', () => {
  it('spawns a resume that completes a failed run after the cause is fixed (?yes=1 passes --yes)', async () => {
    const workspace = await createWorkspace({ fixable: FIXABLE });
    const failed = await runMia(['workflow', 'run', 'fixable'], { cwd: workspace });
    expect(failed.exitCode).toBe(1);
    const runId = parseRunId(failed.stdout);
    const { port, token } = await start(workspace);

    await writeFile(join(workspace, 'fixed.txt'), 'fixed');
    const answer = await request(port, `/api/workflow/runs/${runId}/resume?yes=1`, {
      method: 'POST',
      token,
    });
    expect(answer.status, answer.text).toBe(202);
    const started = answer.json as ResumeStarted;
    expect(started.runId).toBe(runId);
    expect(started.pid).toBeGreaterThan(0);

    const events = await waitForEnd(workspace, runId);
    expect(events.at(-1)?.type).toBe('workflow.completed');
    expect(eventsFor(events, 'workflow.step.completed', 'ship')[0]?.payload.outputs).toMatchObject({
      by: '--yes',
    });

    const again = await request(port, `/api/workflow/runs/${runId}/resume`, {
      method: 'POST',
      token,
    });
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({ error: { code: 'MIA_SERVER_RUN_COMPLETED' } });
    const unknown = await request(port, '/api/workflow/runs/20990101-000000-ffffff/resume', {
      method: 'POST',
      token,
    });
    expect(unknown.status).toBe(404);
  });
});

describe('POST /api/workflow/runs/:id/steps/:step/approve', () => {
  it('releases the waiting gate of a live run, recorded as answered by the dashboard', async () => {
    const workspace = await createWorkspace({ gated: GATED });
    const { port, token } = await start(workspace);
    const run = startLiveRun(['workflow', 'run', 'gated'], { cwd: workspace });
    await run.waitForEvents(isEvent('workflow.step.waiting', 'ship'));
    const runId = run.runId()!;
    const post = (step: string, body?: unknown) =>
      request(port, `/api/workflow/runs/${runId}/steps/${step}/approve`, {
        method: 'POST',
        token,
        body,
      });

    const resume = await request(port, `/api/workflow/runs/${runId}/resume`, {
      method: 'POST',
      token,
    });
    expect(resume.status).toBe(409);
    expect(resume.json).toMatchObject({ error: { code: 'MIA_SERVER_RUN_LIVE' } });
    const notWaiting = await post('build');
    expect(notWaiting.status).toBe(409);
    expect(notWaiting.json).toMatchObject({ error: { code: 'MIA_SERVER_NOT_WAITING' } });
    expect((await post('nope')).status).toBe(404);
    expect((await post('ship', { reject: 'yes' })).status).toBe(400);

    const approved = await post('ship', { reason: 'looks good' });
    expect(approved.status, approved.text).toBe(200);
    expect(approved.json).toMatchObject({
      runId,
      stepId: 'ship',
      approved: true,
      by: 'dashboard',
      reason: 'looks good',
      isRunLive: true,
    } satisfies Partial<ApprovalGiven>);

    const result = await run.child;
    expect(result.exitCode, String(result.stderr)).toBe(0);
    const events = await readRunEvents(workspace, runId);
    expect(eventsFor(events, 'workflow.step.completed', 'ship')[0]?.payload.outputs).toEqual({
      approved: true,
      by: 'dashboard',
      automatic: false,
      reason: 'looks good',
    });
  });

  it('rejects a gate with a reason: the run fails with it as the tension', async () => {
    const workspace = await createWorkspace({ gated: GATED });
    const { port, token } = await start(workspace);
    const run = startLiveRun(['workflow', 'run', 'gated'], { cwd: workspace });
    await run.waitForEvents(isEvent('workflow.step.waiting', 'ship'));
    const runId = run.runId()!;
    const answer = await request(port, `/api/workflow/runs/${runId}/steps/ship/approve`, {
      method: 'POST',
      token,
      body: { reject: true, reason: 'not yet' },
    });
    expect(answer.status).toBe(200);
    expect((await run.child).exitCode).toBe(1);
    const tension = eventsFor(await readRunEvents(workspace, runId), 'workflow.tension', 'ship');
    expect(tension[0]?.payload.error).toMatchObject({
      message: expect.stringContaining('not yet'),
    });
  });
});
