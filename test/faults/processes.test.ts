// Step processes that will not stop: a timeout stops the whole tree, and resume stops what a crash left running.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMia } from '../helpers/cli.js';
import { isEvent, startLiveRun } from '../helpers/live-run.js';
import { parseRunId } from '../helpers/run-files.js';
import {
  countByStep,
  createFaultWorkspace,
  isProcessAlive,
  readEventLog,
  readLines,
  waitUntil,
} from './helpers.js';

async function readPid(path: string): Promise<number | undefined> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return /^\d+\n$/.test(text) ? Number(text) : undefined;
}

describe('step processes', () => {
  it('stops a step that ignores SIGTERM at its timeout, children included', async () => {
    const ws = await createFaultWorkspace({
      stubborn: `name: stubborn
narrative: "A step that will not stop is stopped"
steps:
  - id: deaf
    action: shell
    timeout: 1s
    with: { run: "trap '' TERM; sleep 600 & echo $! > child.pid; echo $$ > shell.pid; sleep 600" }
`,
    });
    const started = Date.now();
    const result = await runMia(['workflow', 'run', 'stubborn'], { cwd: ws });
    const tookMs = Date.now() - started;
    expect(result.exitCode, result.stderr).toBe(1);
    expect(`${result.stdout}${result.stderr}`).toContain('timed out after 1s');
    // 1 s of timeout, 2 s of grace before SIGKILL, and the start of node around it.
    expect(tookMs).toBeLessThan(15_000);
    const pids = [await readPid(join(ws, 'shell.pid')), await readPid(join(ws, 'child.pid'))];
    for (const pid of pids) {
      expect(pid).toBeDefined();
      expect(await waitUntil(() => !isProcessAlive(pid!), 5000), `pid ${pid} lives on`).toBe(true);
    }
  });

  it("stops a crashed run's orphaned step before running it again, so two copies never run at once", async () => {
    // Each copy says whether an earlier copy is still running when it starts (a zombie is dead).
    const script = [
      'if [ -f long.pid ]; then s=$(cut -d" " -f3 "/proc/$(cat long.pid)/stat" 2>/dev/null);',
      'if [ -n "$s" ] && [ "$s" != Z ]; then echo overlap >> overlap.txt; fi; fi;',
      'echo $$ > long.pid; echo $$ >> copies.txt;',
      'sleep "${NAP:-600}" & echo $! > sleep.pid; wait',
    ].join(' ');
    const ws = await createFaultWorkspace({
      longhaul: `name: longhaul
narrative: "A long step survives the death of its engine"
steps:
  - id: long
    action: shell
    with: { run: '${script}' }
`,
    });
    const run = startLiveRun(['workflow', 'run', 'longhaul'], { cwd: ws });
    await run.waitForEvents(isEvent('workflow.step.started', 'long'));
    expect(await waitUntil(async () => (await readPid(join(ws, 'sleep.pid'))) !== undefined)).toBe(
      true,
    );
    const shellPid = (await readPid(join(ws, 'long.pid')))!;
    const sleepPid = (await readPid(join(ws, 'sleep.pid')))!;
    run.child.kill('SIGKILL');
    await run.child;
    // The engine is gone; its step lives on, orphaned.
    expect(isProcessAlive(shellPid)).toBe(true);
    expect(isProcessAlive(sleepPid)).toBe(true);

    const resumed = await runMia(['workflow', 'resume', '--last'], {
      cwd: ws,
      env: { NAP: '0' },
    });
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(isProcessAlive(shellPid)).toBe(false);
    expect(isProcessAlive(sleepPid)).toBe(false);
    expect(await readLines(join(ws, 'overlap.txt'))).toEqual([]);
    expect(await readLines(join(ws, 'copies.txt'))).toHaveLength(2);
    const events = await readEventLog(ws, run.runId()!);
    expect(countByStep(events, 'workflow.step.completed').get('long')).toBe(1);
  });

  it('leaves the processes of other runs alone when it reaps orphans', async () => {
    const ws = await createFaultWorkspace({
      bystander: `name: bystander
narrative: "Another run's step is not an orphan"
steps:
  - { id: idle, action: shell, with: { run: 'echo $$ > idle.pid; sleep "\${NAP:-600}"' } }
`,
      victim: `name: victim
narrative: "A run to crash"
steps:
  - { id: quick, action: shell, with: { run: 'sleep "\${NAP:-600}"' } }
`,
    });
    const bystander = startLiveRun(['workflow', 'run', 'bystander'], { cwd: ws });
    await bystander.waitForEvents(isEvent('workflow.step.started', 'idle'));
    expect(await waitUntil(async () => (await readPid(join(ws, 'idle.pid'))) !== undefined)).toBe(
      true,
    );
    const idlePid = (await readPid(join(ws, 'idle.pid')))!;
    const victim = startLiveRun(['workflow', 'run', 'victim'], { cwd: ws });
    await victim.waitForEvents(isEvent('workflow.step.started', 'quick'));
    victim.child.kill('SIGKILL');
    await victim.child;

    const resumed = await runMia(['workflow', 'resume', victim.runId()!], {
      cwd: ws,
      env: { NAP: '0' },
    });
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(isProcessAlive(idlePid)).toBe(true);
    bystander.child.kill('SIGTERM');
    const ended = await bystander.child;
    expect(ended.exitCode).toBe(130);
    expect(await waitUntil(() => !isProcessAlive(idlePid), 5000)).toBe(true);
    expect(parseRunId(String(ended.stdout))).toBe(bystander.runId());
  });
});
