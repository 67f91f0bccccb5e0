// A reader that stops early (`mia … | head -1`, `| grep -q`) never stops a run, and no command
// prints a stack trace for it: real pipes whose read end is closed while mia writes.

import { spawn } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createWorkspace, MIA_BIN, runMia } from '../helpers/cli.js';
import { waitUntil } from '../helpers/processes.js';
import { eventsFor, parseRunId, readRunEvents } from '../helpers/run-files.js';
import { startOnTerminal } from '../helpers/terminal.js';

/**
 * Three steps; the middle one waits for the file `go` (so a test can close the pipe first), or
 * fails at once when the file `fail` exists.
 */
const WAITS = `name: waits
narrative: "A run outlives its reader"
steps:
  - { id: first, action: shell, with: { run: "echo first" } }
  - id: second
    action: shell
    depends_on: [first]
    with: { run: "i=0; while [ ! -e go ] && [ ! -e fail ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done; [ -e go ] && echo second" }
  - { id: third, action: shell, depends_on: [second], with: { run: "echo third" } }
`;

interface Ended {
  code: number | null;
  stderr: string;
  stdout: string;
}

/**
 * Starts `mia <args>` with pipes for stdout and stderr; `closed` names the pipe whose read end is
 * closed at once (before mia can write to it). The other one is read to the end.
 */
function startMia(args: string[], cwd: string, closed: 'stdout' | 'stderr' | 'none') {
  const child = spawn(process.execPath, [MIA_BIN, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  if (closed === 'stdout') child.stdout.destroy();
  else child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  if (closed === 'stderr') child.stderr.destroy();
  else child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const ended = new Promise<Ended>((resolve) =>
    child.once('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, ended, stdout: () => stdout };
}

function expectNoStackTrace(text: string): void {
  expect(text).not.toMatch(/EPIPE|Unhandled 'error'|\n\s+at \S+ \(/);
}

async function runToFailure(cwd: string): Promise<string> {
  await writeFile(join(cwd, 'fail'), '');
  const failed = await runMia(['workflow', 'run', 'waits'], { cwd });
  expect(failed.exitCode).toBe(1);
  await rm(join(cwd, 'fail'));
  return parseRunId(failed.stdout);
}

describe('a reader that stops early', () => {
  it('never stops `run`: after the reader closed stdout the remaining steps run and the run completes', async () => {
    const cwd = await createWorkspace({ waits: WAITS });
    const mia = spawn(process.execPath, [MIA_BIN, 'workflow', 'run', 'waits'], {
      cwd,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    mia.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // Read the first line (`run <id>`), then close the read end, as `head -1` does.
    const firstLine = await new Promise<string>((resolve) => {
      let text = '';
      mia.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes('\n')) resolve(text.slice(0, text.indexOf('\n')));
      });
    });
    mia.stdout.destroy();
    const runId = parseRunId(firstLine);
    await writeFile(join(cwd, 'go'), '');
    const code = await new Promise<number | null>((resolve) => mia.once('close', resolve));

    expect(code, stderr).toBe(0);
    expectNoStackTrace(stderr);
    const events = await readRunEvents(cwd, runId);
    expect(eventsFor(events, 'workflow.step.completed').map((e) => e.payload.stepId)).toEqual([
      'first',
      'second',
      'third',
    ]);
    expect(events.at(-1)?.type).toBe('workflow.completed');
    const status = await runMia(['workflow', 'status', runId], { cwd });
    expect(status.stdout).toContain('3/3 steps completed');
  });

  it('never stops `run | head -1` or `run --json | grep -q` through a shell, stderr included', async () => {
    const cwd = await createWorkspace({ waits: WAITS });
    const node = process.execPath;
    const head = spawn(
      'sh',
      ['-c', `"${node}" "${MIA_BIN}" workflow run waits 2>&1 | { head -1 > first.txt; touch go; }`],
      { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: 'ignore' },
    );
    await new Promise((resolve) => head.once('close', resolve));
    const runId = parseRunId(await readFile(join(cwd, 'first.txt'), 'utf8'));
    // The pipeline ended with head; mia goes on alone, writing into a closed pipe.
    expect(
      await waitUntil(
        async () => (await readRunEvents(cwd, runId)).at(-1)?.type === 'workflow.completed',
        30_000,
      ),
    ).toBe(true);

    const grep = spawn(
      'sh',
      ['-c', `"${node}" "${MIA_BIN}" workflow run waits --json 2>&1 | grep -q workflow.started`],
      { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: 'ignore' },
    );
    const grepCode = await new Promise((resolve) => grep.once('close', resolve));
    expect(grepCode).toBe(0);
    const runs = await runMia(['workflow', 'runs', '--json'], { cwd });
    const listed = JSON.parse(runs.stdout) as Array<{ runId: string; status: string }>;
    expect(listed.map((run) => run.status)).toEqual(['completed', 'completed']);
  });

  it('never stops `resume` when its reader is gone: the failed step runs again and the run completes', async () => {
    const cwd = await createWorkspace({ waits: WAITS });
    const runId = await runToFailure(cwd);
    await writeFile(join(cwd, 'go'), '');
    for (const closed of ['stdout', 'stderr'] as const) {
      const mia = startMia(['workflow', 'resume', runId], cwd, closed);
      const ended = await mia.ended;
      expect(ended.code, ended.stderr).toBe(0);
      expectNoStackTrace(ended.stderr);
      const events = await readRunEvents(cwd, runId);
      expect(events.at(-1)?.type).toBe('workflow.completed');
      expect(eventsFor(events, 'workflow.step.completed', 'third')).toHaveLength(1);
    }
  }, 90_000);

  it('lets status, runs, story, show, ls and validate end quietly with exit 0 into a closed stdout or stderr', async () => {
    const cwd = await createWorkspace({ waits: WAITS });
    const runId = await runToFailure(cwd);
    const commands = [
      ['workflow', 'status', runId],
      ['workflow', 'status', '--last', '--json'],
      ['workflow', 'runs'],
      ['workflow', 'story', '--last'],
      ['workflow', 'show', 'waits'],
      ['workflow', 'ls'],
      ['workflow', 'ls', '--actions'],
      ['workflow', 'validate'],
    ];
    for (const args of commands) {
      const ended = await startMia(args, cwd, 'stdout').ended;
      expect({ args, code: ended.code }).toEqual({ args, code: 0 });
      expectNoStackTrace(ended.stderr);
      expect(ended.stderr).toBe('');
    }
    // An error goes to stderr: with stderr closed the exit code still says what happened.
    const missing = await startMia(['workflow', 'status', 'no-such-run'], cwd, 'stderr').ended;
    expect(missing.code).toBe(2);
    expect(missing.stdout).toBe('');
  }, 90_000);

  it('keeps `mia dashboard` serving after the reader of its stderr went away', async () => {
    const cwd = await createWorkspace({ waits: WAITS });
    const mia = startMia(['dashboard', '--port', '0'], cwd, 'stderr');
    expect(await waitUntil(() => mia.stdout().includes('\n'), 20_000)).toBe(true);
    const url = new URL(mia.stdout().trim());
    const runs = await fetch(new URL(`/api/workflow/runs?${url.searchParams}`, url));
    expect(runs.status).toBe(200);
    expect(await runs.json()).toEqual([]);
    mia.child.kill('SIGINT');
    const ended = await mia.ended;
    expect(ended.code).toBe(0);
  });

  it('keeps a run with its live footer going when its terminal closes (writes fail with EIO)', async () => {
    const cwd = await createWorkspace({ waits: WAITS });
    // Detached: mia is not the terminal's session leader, so closing the terminal does not send
    // it SIGHUP: its writes (the footer's, every 500 ms) fail instead, which is what this is about.
    const terminal = startOnTerminal(['workflow', 'run', 'waits'], cwd, { isDetached: true });
    const screen = (await terminal.waitFor(/done · running: second · /)).input;
    const runId = parseRunId(screen.replaceAll('\r', ''));
    terminal.child.kill('SIGKILL');
    await terminal.exited;
    await writeFile(join(cwd, 'go'), '');
    expect(
      await waitUntil(
        async () => (await readRunEvents(cwd, runId)).at(-1)?.type === 'workflow.completed',
        30_000,
      ),
    ).toBe(true);
    const events = await readRunEvents(cwd, runId);
    expect(eventsFor(events, 'workflow.step.completed', 'third')).toHaveLength(1);
  });
});
