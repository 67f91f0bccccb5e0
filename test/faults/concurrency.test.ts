// Runs and resumes at the same time: separate runs never mix, one run has one owner, a dead owner's lock is taken back.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMia, startMia } from '../helpers/cli.js';
import { isEvent, startLiveRun } from '../helpers/live-run.js';
import { parseRunId } from '../helpers/run-files.js';
import {
  countByStep,
  createFaultWorkspace,
  isProcessAlive,
  readEventLog,
  readLines,
} from './helpers.js';

const TWICE = `name: twice
narrative: "Two at once, each its own"
steps:
  - { id: one, action: shell, with: { run: 'sleep 0.3; echo "one $MIA_RUN_ID" >> ran.txt' } }
  - { id: two, action: shell, depends_on: [one], with: { run: 'sleep "\${NAP:-0.3}"; echo "two $MIA_RUN_ID" >> ran.txt' } }
`;

/** A run of `twice` whose engine was SIGKILLed in step `two`. */
async function crashedRun(): Promise<{ ws: string; runId: string }> {
  const ws = await createFaultWorkspace({ twice: TWICE });
  const run = startLiveRun(['workflow', 'run', 'twice'], { cwd: ws, env: { NAP: '600' } });
  await run.waitForEvents(isEvent('workflow.step.started', 'two'));
  run.child.kill('SIGKILL');
  await run.child;
  return { ws, runId: run.runId()! };
}

function lockText(pid: number, host = hostname()): string {
  return `${JSON.stringify({ pid, hostname: host, startedAt: new Date().toISOString() })}\n`;
}

/** The pid of a process that has exited and been reaped. */
async function deadPid(): Promise<number> {
  const child = spawn('true');
  await once(child, 'exit');
  return child.pid!;
}

describe('concurrent runs and resumes', () => {
  it('runs the same workflow twice at once, each in its own run directory', async () => {
    const ws = await createFaultWorkspace({ twice: TWICE });
    const results = await Promise.all(
      [1, 2, 3].map(() => runMia(['workflow', 'run', 'twice'], { cwd: ws })),
    );
    const ids = results.map((result) => {
      expect(result.exitCode, result.stderr).toBe(0);
      return parseRunId(result.stdout);
    });
    expect(new Set(ids).size).toBe(3);
    const markers = await readLines(join(ws, 'ran.txt'));
    for (const id of ids) {
      const events = await readEventLog(ws, id);
      expect(events.every((event) => event.runId === id)).toBe(true);
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
      expect(Object.fromEntries(countByStep(events, 'workflow.step.completed'))).toEqual({
        one: 1,
        two: 1,
      });
      expect(markers.filter((line) => line.endsWith(` ${id}`)).sort()).toEqual([
        `one ${id}`,
        `two ${id}`,
      ]);
    }
  });

  it('lets exactly one of several simultaneous resumes of a run go on; the others exit 2 naming it', async () => {
    const { ws, runId } = await crashedRun();
    const children = [1, 2, 3].map(() =>
      startMia(['workflow', 'resume', runId], { cwd: ws, env: { NAP: '2' } }),
    );
    const results = await Promise.all(children);
    const winners = results.filter((result) => result.exitCode === 0);
    expect(winners, results.map((r) => r.stderr).join('\n')).toHaveLength(1);
    const winnerPid = children[results.indexOf(winners[0]!)]!.pid;
    for (const loser of results.filter((result) => result.exitCode !== 0)) {
      expect(loser.exitCode).toBe(2);
      expect(loser.stderr).toContain(`is in progress in process ${winnerPid}`);
    }
    const events = await readEventLog(ws, runId);
    expect(events.filter((e) => e.type === 'workflow.resumed')).toHaveLength(1);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(countByStep(events, 'workflow.step.completed').get('two')).toBe(1);
  });

  const deadOwners: Array<[string, () => Promise<string>]> = [
    ['a process that has exited', async () => lockText(await deadPid())],
    [
      'a zombie (exited, never reaped)',
      async () => {
        // The shell's child exits once the shell has become `sleep`, which never reaps it, so it
        // stays a zombie (a child that ended sooner could be reaped by the shell itself).
        const parent = spawn('sh', ['-c', 'sleep 0.3 & echo $!; exec sleep 8'], {
          stdio: ['ignore', 'pipe', 'ignore'],
        });
        const [chunk] = (await once(parent.stdout!, 'data')) as [Buffer];
        const zombie = Number(chunk.toString().trim());
        for (let waited = 0; isProcessAlive(zombie) && waited < 5000; waited += 50) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        expect(isProcessAlive(zombie)).toBe(false);
        expect(() => process.kill(zombie, 0)).not.toThrow();
        parent.unref();
        setTimeout(() => parent.kill('SIGKILL'), 6000).unref();
        return lockText(zombie);
      },
    ],
    ['garbage', async () => '{"pid": "not a pid"'],
  ];

  for (const [what, makeLock] of deadOwners) {
    it(`reclaims a lock left by ${what}`, async () => {
      const { ws, runId } = await crashedRun();
      await writeFile(join(ws, '.mia/runs', runId, 'lock'), await makeLock());
      const status = await runMia(['workflow', 'status', runId], { cwd: ws });
      expect(status.stdout).toContain('crashed (resumable)');
      const resumed = await runMia(['workflow', 'resume', runId], { cwd: ws, env: { NAP: '0' } });
      expect(resumed.exitCode, resumed.stderr).toBe(0);
      const events = await readEventLog(ws, runId);
      expect(events.at(-1)?.type).toBe('workflow.completed');
    });
  }

  it('does not reclaim a lock held by a live process, nor one taken on another host', async () => {
    const { ws, runId } = await crashedRun();
    const lockPath = join(ws, '.mia/runs', runId, 'lock');
    for (const [text, pid] of [
      [lockText(process.pid), process.pid],
      [lockText(await deadPid(), 'another-host.example'), undefined],
    ] as const) {
      await writeFile(lockPath, text);
      const resumed = await runMia(['workflow', 'resume', runId], { cwd: ws, env: { NAP: '0' } });
      expect(resumed.exitCode).toBe(2);
      expect(resumed.stderr).toMatch(/is in progress in process \d+/);
      if (pid !== undefined) expect(resumed.stderr).toContain(`process ${pid}`);
    }
    // Let the run go, so that its orphaned step is stopped.
    await writeFile(lockPath, lockText(await deadPid()));
    expect(
      (await runMia(['workflow', 'resume', runId], { cwd: ws, env: { NAP: '0' } })).exitCode,
    ).toBe(0);
  });
});
