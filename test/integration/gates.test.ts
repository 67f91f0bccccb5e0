// Approval gates end to end: a run waits at an `approve` step until another process answers it.

import { userInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { createWorkspace, runMia } from '../helpers/cli.js';
import { isEvent, startLiveRun } from '../helpers/live-run.js';
import { eventsFor, parseRunId, readRunEvents } from '../helpers/run-files.js';

const GATED = `name: gated
narrative: "A person decides when it ships"
steps:
  - id: build
    action: shell
    with: { run: "echo built" }
  - id: ship
    action: approve
    depends_on: [build]
    retry: { attempts: 3, delay: 10ms }
    with: { prompt: "Ship it?" }
  - id: after
    action: shell
    depends_on: [ship]
    with: { run: "echo shipped" }
`;

/** Starts the gated workflow and resolves once it waits at the gate. */
async function startWaiting(args: string[] = []) {
  const ws = await createWorkspace({ gated: GATED });
  const run = startLiveRun(['workflow', 'run', 'gated', ...args], { cwd: ws });
  const [waiting] = await run.waitForEvents(isEvent('workflow.step.waiting', 'ship'));
  return { ws, run, runId: run.runId()!, waiting: waiting! };
}

describe('approval gates', () => {
  it('waits at the gate until another process approves it, then completes with who approved', async () => {
    const { ws, run, runId, waiting } = await startWaiting();
    expect(waiting.payload.prompt).toBe('Ship it?');

    const approved = await runMia(['workflow', 'approve', runId, 'ship'], { cwd: ws });
    expect(approved.exitCode, approved.stderr).toBe(0);
    expect(approved.stdout).toContain(`ship approved; run ${runId} (process ${run.child.pid})`);

    const result = await run.child;
    expect(result.exitCode, String(result.stderr)).toBe(0);
    const events = await readRunEvents(ws, runId);
    expect(eventsFor(events, 'workflow.step.completed', 'ship')[0]?.payload.outputs).toEqual({
      approved: true,
      by: userInfo().username,
      automatic: false,
    });
    expect(eventsFor(events, 'workflow.step.completed', 'after')).toHaveLength(1);
    expect(events.at(-1)?.type).toBe('workflow.completed');
  });

  it('fails the run on a rejection, tells the reason as a tension, and does not retry it', async () => {
    const { ws, run, runId } = await startWaiting();

    const rejected = await runMia(
      ['workflow', 'approve', runId, 'ship', '--reject', '--reason', 'not yet'],
      { cwd: ws },
    );
    expect(rejected.exitCode, rejected.stderr).toBe(0);
    expect(rejected.stdout).toContain('ship rejected');

    const result = await run.child;
    expect(result.exitCode).toBe(1);
    const events = await readRunEvents(ws, runId);
    const failed = eventsFor(events, 'workflow.step.failed', 'ship');
    expect(failed.map((e) => e.payload.error)).toEqual([
      expect.objectContaining({
        code: 'MIA_GATE_REJECTED',
        message: expect.stringContaining('not yet'),
      }),
    ]);
    const tensions = eventsFor(events, 'workflow.tension', 'ship');
    expect(tensions.map((e) => (e.payload.error as { message: string }).message)).toEqual([
      expect.stringContaining('not yet'),
    ]);
    expect(eventsFor(events, 'workflow.step.started', 'ship')).toHaveLength(1);
    expect(eventsFor(events, 'workflow.step.retrying')).toEqual([]);
    expect(eventsFor(events, 'workflow.step.skipped', 'after')[0]?.payload.reason).toBe(
      'upstream step "ship" failed',
    );
  });

  it('approves every gate at once with --yes, recorded as automatic', async () => {
    const ws = await createWorkspace({ gated: GATED });
    const result = await runMia(['workflow', 'run', 'gated', '--yes'], { cwd: ws });
    expect(result.exitCode, result.stderr).toBe(0);
    const events = await readRunEvents(ws, parseRunId(result.stdout));
    expect(eventsFor(events, 'workflow.step.completed', 'ship')[0]?.payload.outputs).toEqual({
      approved: true,
      by: '--yes',
      automatic: true,
    });
  });

  it('refuses with exit 2 to answer a step that is not waiting, or that does not exist', async () => {
    const { ws, run, runId } = await startWaiting();
    const early = await runMia(['workflow', 'approve', runId, 'after'], { cwd: ws });
    const done = await runMia(['workflow', 'approve', runId, 'build'], { cwd: ws });
    const unknown = await runMia(['workflow', 'approve', runId, 'shipp'], { cwd: ws });
    run.child.kill('SIGKILL');
    await run.child;

    expect(early.exitCode).toBe(2);
    expect(early.stderr).toContain(
      `Step "after" of run ${runId} is not waiting at a gate (it is pending).`,
    );
    expect(done.exitCode).toBe(2);
    expect(done.stderr).toContain('(it is completed)');
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain(`Run ${runId} has no step "shipp". Did you mean "ship"?`);
  });

  it('takes an answer given while the run was down, and the resumed run goes on without waiting', async () => {
    const { ws, run, runId } = await startWaiting();
    run.child.kill('SIGKILL');
    await run.child;

    const approved = await runMia(['workflow', 'approve', runId, 'ship'], { cwd: ws });
    expect(approved.exitCode, approved.stderr).toBe(0);
    expect(approved.stdout).toContain(
      `The run is not running: continue it with mia workflow resume ${runId}`,
    );

    const resumed = await runMia(['workflow', 'resume', runId], { cwd: ws });
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    const events = await readRunEvents(ws, runId);
    const afterResume = events.slice(events.findIndex((e) => e.type === 'workflow.resumed'));
    expect(eventsFor(afterResume, 'workflow.step.waiting')).toEqual([]);
    expect(eventsFor(afterResume, 'workflow.step.completed', 'ship')[0]?.payload.outputs).toEqual({
      approved: true,
      by: userInfo().username,
      automatic: false,
    });
    expect(events.at(-1)?.type).toBe('workflow.completed');
  });

  it('waits at the gate again when a run killed while waiting is resumed without an answer', async () => {
    const { ws, run, runId } = await startWaiting();
    run.child.kill('SIGKILL');
    await run.child;

    const resumed = startLiveRun(['workflow', 'resume', runId], { cwd: ws });
    await resumed.waitForEvents(isEvent('workflow.step.waiting', 'ship'), 2);
    const events = await readRunEvents(ws, runId);
    resumed.child.kill('SIGKILL');
    await resumed.child;

    const resumedEvent = eventsFor(events, 'workflow.resumed')[0];
    expect(resumedEvent?.payload.kept).toEqual(['build']);
    expect(resumedEvent?.payload.rerun).toEqual(['ship', 'after']);
    expect(events.findIndex((e) => e.type === 'workflow.resumed')).toBeLessThan(
      events.findLastIndex((e) => e.type === 'workflow.step.waiting'),
    );
    expect(eventsFor(events, 'workflow.step.completed', 'ship')).toEqual([]);
  });

  it('asks again on resume after a rejection instead of taking the old rejection', async () => {
    const { ws, run, runId } = await startWaiting();
    await runMia(['workflow', 'approve', runId, 'ship', '--reject', '--reason', 'not yet'], {
      cwd: ws,
    });
    expect((await run.child).exitCode).toBe(1);

    const resumed = startLiveRun(['workflow', 'resume', runId], { cwd: ws });
    await resumed.waitForEvents(isEvent('workflow.step.waiting', 'ship'), 2);
    const approved = await runMia(['workflow', 'approve', runId, 'ship'], { cwd: ws });
    expect(approved.exitCode, approved.stderr).toBe(0);
    const result = await resumed.child;
    expect(result.exitCode, String(result.stderr)).toBe(0);
    const events = await readRunEvents(ws, runId);
    expect(eventsFor(events, 'workflow.step.failed', 'ship')).toHaveLength(1);
    expect(eventsFor(events, 'workflow.step.completed', 'ship')).toHaveLength(1);
  });
});
