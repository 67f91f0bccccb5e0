// Resume and approve through the HTTP API, on real runs: a resume process that completes a failed
// run once its cause is fixed, and a gate of a live run (another process) released by the dashboard.

import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type {
  ApiError,
  ApprovalGiven,
  ResumeStarted,
  RunDetail,
} from '../../src/server/protocol.js';
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

describe('POST /api/workflow/runs/:id/resume answers with the real outcome', () => {
  it('answers 422 with the same file:line:col problems the CLI prints, and nothing resumes', async () => {
    const workspace = await createWorkspace({ fixable: FIXABLE });
    const runId = parseRunId(
      (await runMia(['workflow', 'run', 'fixable'], { cwd: workspace })).stdout,
    );
    const file = join(workspace, '.mia/workflows/fixable.yaml');
    await writeFile(file, FIXABLE.replace('action: approve', 'action: aprove'));
    const cli = await runMia(['workflow', 'validate', 'fixable'], { cwd: workspace });
    const { port, token } = await start(workspace);

    const answer = await request(port, `/api/workflow/runs/${runId}/resume`, {
      method: 'POST',
      token,
    });
    expect(answer.status, answer.text).toBe(422);
    const { error } = answer.json as ApiError;
    expect(error.code).toBe('MIA_DEFINITION_INVALID');
    expect(error.problems).toEqual([
      expect.stringMatching(/fixable\.yaml:5:\d+: Unknown action "aprove"/),
    ]);
    expect(cli.stderr).toContain(error.problems?.[0]);
    const events = await readRunEvents(workspace, runId);
    expect(eventsFor(events, 'workflow.resumed')).toEqual([]);
  });

  it('answers 202 to one of two racing resumes and 409 naming the holder to the other', async () => {
    const workspace = await createWorkspace({
      fixable: FIXABLE.replace('test -f fixed.txt', 'test -f fixed.txt && sleep ${NAP:-0}'),
    });
    const runId = parseRunId(
      (await runMia(['workflow', 'run', 'fixable'], { cwd: workspace })).stdout,
    );
    await writeFile(join(workspace, 'fixed.txt'), 'fixed');
    process.env.NAP = '3';
    const { port, token } = await start(workspace);
    try {
      const answers = await Promise.all([
        request(port, `/api/workflow/runs/${runId}/resume?yes=1`, { method: 'POST', token }),
        request(port, `/api/workflow/runs/${runId}/resume?yes=1`, { method: 'POST', token }),
      ]);
      const statuses = answers.map((answer) => answer.status).sort();
      expect(statuses, answers.map((a) => a.text).join('\n')).toEqual([202, 409]);
      const won = answers.find((answer) => answer.status === 202)?.json as ResumeStarted;
      const lost = answers.find((answer) => answer.status === 409)?.json as ApiError;
      expect(lost.error.code).toBe('MIA_SERVER_RUN_LIVE');
      expect(lost.error.message).toContain(`in process ${won.pid}`);
      const events = await waitForEnd(workspace, runId);
      expect(eventsFor(events, 'workflow.resumed').map((e) => e.payload.pid)).toEqual([won.pid]);
    } finally {
      delete process.env.NAP;
    }
  });

  it('says why when the resume ends before it holds the run, never 202', async () => {
    const workspace = await createWorkspace({ fixable: FIXABLE });
    const runId = parseRunId(
      (await runMia(['workflow', 'run', 'fixable'], { cwd: workspace })).stdout,
    );
    await rm(join(workspace, '.mia/workflows/fixable.yaml'));
    const { port, token } = await start(workspace);
    const answer = await request(port, `/api/workflow/runs/${runId}/resume`, {
      method: 'POST',
      token,
    });
    expect(answer.status, answer.text).toBe(500);
    const { error } = answer.json as ApiError;
    expect(error.code).toBe('MIA_SERVER_RESUME_FAILED');
    expect(error.message).toContain('fixable');
    expect(error.message).toContain('before it held the run: No workflow named "fixable".');
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

  it('answers a gate inside a chapter through the parent, its path URL-encoded', async () => {
    const workspace = await createWorkspace({
      release:
        'name: release\nnarrative: "A release"\nsteps:\n  - { id: chapter, action: workflow, with: { workflow: gated } }\n',
      gated: GATED,
    });
    const { port, token } = await start(workspace);
    const run = startLiveRun(['workflow', 'run', 'release'], { cwd: workspace });
    await run.waitForEvents(isEvent('workflow.step.waiting', 'chapter'));
    const runId = run.runId()!;
    const detail = await request(port, `/api/workflow/runs/${runId}`, { token });
    expect((detail.json as RunDetail).steps[0]?.gates).toEqual([
      {
        path: 'chapter/ship',
        prompt: 'Ship it?',
        command: `mia workflow approve ${runId} chapter/ship`,
      },
    ]);
    const wrong = await request(port, `/api/workflow/runs/${runId}/steps/chapter/approve`, {
      method: 'POST',
      token,
    });
    expect(wrong.status).toBe(409);
    expect(wrong.text).toContain(`mia workflow approve ${runId} chapter/ship`);
    const answer = await request(
      port,
      `/api/workflow/runs/${runId}/steps/${encodeURIComponent('chapter/ship')}/approve`,
      { method: 'POST', token, body: {} },
    );
    expect(answer.status, answer.text).toBe(200);
    expect(answer.json).toMatchObject({ runId, stepId: 'chapter/ship', approved: true });
    expect((await run.child).exitCode).toBe(0);
  });
});
