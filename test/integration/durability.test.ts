// What a run keeps on disk: a durable wait survives a crash, and every step's output is in its log.

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createWorkspace, runMia } from '../helpers/cli.js';
import { isEvent, startLiveRun } from '../helpers/live-run.js';
import { eventsFor, parseRunId, readRunEvents, type StoredEvent } from '../helpers/run-files.js';

/** The text of a step's `workflow.step.log` events on one stream, joined. */
function loggedText(events: StoredEvent[], stepId: string, stream: 'stdout' | 'stderr'): string {
  return eventsFor(events, 'workflow.step.log', stepId)
    .filter((e) => e.payload.stream === stream)
    .map((e) => String(e.payload.text))
    .join('');
}

const HELLO_ONE = `name: hello
narrative: "One greeting"
steps:
  - id: hi
    action: shell
    with: { run: "echo hi" }
`;

describe('durable runs', () => {
  it('waits on resume only for what is left of a wait the crash interrupted', async () => {
    const ws = await createWorkspace({
      pause: `name: pause
narrative: "Patience survives a crash"
steps:
  - { id: rest, action: wait, with: { for: 4s } }
`,
    });
    const run = startLiveRun(['workflow', 'run', 'pause'], { cwd: ws });
    const [started] = await run.waitForEvents(isEvent('workflow.step.started', 'rest'));
    // Let part of the wait pass before the crash (how much does not matter, only that some did).
    while (Date.now() - Date.parse(started!.timestamp) < 1500) await sleep(50);
    run.child.kill('SIGKILL');
    await run.child;
    const runId = run.runId()!;

    const resumed = await runMia(['workflow', 'resume', runId], { cwd: ws });
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    const events = await readRunEvents(ws, runId);
    expect(eventsFor(events, 'workflow.step.started', 'rest')).toHaveLength(2);
    const completed = eventsFor(events, 'workflow.step.completed', 'rest')[0];
    const { waitedMs } = (completed?.payload.outputs ?? {}) as { waitedMs?: number };
    expect(waitedMs).toBeGreaterThan(0);
    expect(waitedMs).toBeLessThan(4000);
  });

  it("keeps a step's whole output in logs/<step>.log and tells the same text in log events", async () => {
    const ws = await createWorkspace({
      talk: `name: talk
narrative: "Every word is kept"
steps:
  - id: speak
    action: shell
    with: { run: "echo one; echo two; echo oops >&2; echo three" }
`,
    });
    const result = await runMia(['workflow', 'run', 'talk'], { cwd: ws });
    expect(result.exitCode, result.stderr).toBe(0);
    const runId = parseRunId(result.stdout);

    const log = await readFile(join(ws, '.mia/runs', runId, 'logs/speak.log'), 'utf8');
    const lines = log.split('\n').filter(Boolean);
    expect(lines.filter((line) => line !== 'oops')).toEqual(['one', 'two', 'three']);
    expect(lines.filter((line) => line === 'oops')).toHaveLength(1);

    const events = await readRunEvents(ws, runId);
    expect(loggedText(events, 'speak', 'stdout')).toBe('one\ntwo\nthree\n');
    expect(loggedText(events, 'speak', 'stderr')).toBe('oops\n');
  });

  it('keeps the output of every attempt of a retried step in its log', async () => {
    const ws = await createWorkspace({
      again: `name: again
narrative: "Nothing said is lost"
steps:
  - id: flaky
    action: shell
    retry: { attempts: 2, delay: 10ms }
    with: { run: "echo x >> tries.txt; n=$(wc -l < tries.txt | tr -d ' '); echo attempt-$n; [ $n -ge 2 ]" }
`,
    });
    const result = await runMia(['workflow', 'run', 'again'], { cwd: ws });
    expect(result.exitCode, result.stderr).toBe(0);
    const runId = parseRunId(result.stdout);
    const log = await readFile(join(ws, '.mia/runs', runId, 'logs/flaky.log'), 'utf8');
    expect(log.indexOf('attempt-1')).toBeGreaterThanOrEqual(0);
    expect(log.indexOf('attempt-1')).toBeLessThan(log.indexOf('attempt-2'));
    expect(loggedText(await readRunEvents(ws, runId), 'flaky', 'stdout')).toBe(
      'attempt-1\nattempt-2\n',
    );
  });

  it('tells a run cut off before its first event as one that never started, and --last passes over it', async () => {
    const cwd = await createWorkspace({ hello: HELLO_ONE });
    const first = await runMia(['workflow', 'run', 'hello'], { cwd });
    expect(first.exitCode, first.stderr).toBe(0);
    const started = parseRunId(first.stdout);
    // What a SIGKILL between creating the event log and writing its first event leaves.
    const cut = '20991231-235959-aaaaaa';
    await mkdir(join(cwd, '.mia/runs', cut), { recursive: true });
    await writeFile(join(cwd, '.mia/runs', cut, 'events.jsonl'), '');
    for (const command of ['status', 'story', 'resume']) {
      const result = await runMia(['workflow', command, cut], { cwd });
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toMatch(/^error: The run never started: its event log holds no event/);
      expect(result.stderr).not.toContain('internal error');
    }
    const last = await runMia(['workflow', 'status', '--last'], { cwd });
    expect(last.stdout).toContain(`run ${started} · hello · completed`);
  });
});
