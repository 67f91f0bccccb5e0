// Text a step controls reaches people without control sequences (the live run, status, story,
// story.md, runs, errors) and machines and logs intact (--json, logs/<step>.log).

import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createWorkspace, runMia } from '../helpers/cli.js';
import { parseRunId } from '../helpers/run-files.js';
import { startOnTerminal } from '../helpers/terminal.js';

/**
 * A step whose output (`evil`) holds a window title, a screen clear, colours and a backspace, told
 * by its own beat and by the next step's tension; the next step fails with a message that moves
 * the cursor up, erases its own line and prints a green "✓".
 */
const HOSTILE = `name: hostile
narrative: "Text from steps stays text"
steps:
  - id: emit
    action: shell
    beat: "emitted \${{ steps.emit.outputs.evil }}"
    with:
      run: printf 'evil=A\\033]0;PWNED-TITLE\\007\\033[2J\\033[31;1;4mred\\033[0m\\bB\\n' >> "$MIA_OUTPUT"; printf 'log \\033]0;LOG-TITLE\\007 line\\n'
  - id: fail
    action: shell
    depends_on: [emit]
    tension: "broke after \${{ steps.emit.outputs.evil }}"
    with:
      run: printf 'FAIL\\033[1A\\033[2K\\r\\033[32m✓ fail\\033[0m\\n' >&2; exit 1
`;

/** Any control character a terminal would act on (newline and tab excepted). */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

async function runHostile(cwd: string, args: string[] = []) {
  const result = await runMia(['workflow', 'run', 'hostile', ...args], { cwd });
  expect(result.exitCode, result.stderr).toBe(1);
  return result;
}

describe('text from steps on a terminal', () => {
  it('reaches the output of `run` without control sequences, and still says what happened', async () => {
    const cwd = await createWorkspace({ hostile: HOSTILE });
    const { stdout, stderr } = await runHostile(cwd);
    expect(stdout).not.toMatch(CONTROL);
    expect(stderr).not.toMatch(CONTROL);
    expect(stdout).not.toContain('PWNED-TITLE');
    expect(stdout).toContain('rising action · emitted AredB');
    expect(stdout).toContain('✗ fail: The command exited with 1: FAIL✓ fail');
    expect(stdout).toContain('tension · broke after AredB');
  });

  it('reaches the live view on a terminal without the step’s title, clear, colours or cursor moves', async () => {
    const cwd = await createWorkspace({ hostile: HOSTILE });
    const mia = startOnTerminal(['workflow', 'run', 'hostile'], cwd);
    expect(await mia.exited).toBe(1);
    const screen = mia.screen();
    expect(screen).toContain('✗ fail: The command exited with 1: FAIL✓ fail');
    expect(screen).toContain('tension · broke after AredB');
    // The footer draws with its own sequences; none of the step's are among them.
    for (const sequence of [
      '\u001b]0;',
      '\u001b[2J',
      '\u001b[31;1;4m',
      '\u001b[32m',
      '\u0007',
      '\b',
    ]) {
      expect(screen).not.toContain(sequence);
    }
  });

  it('reaches `status`, `story` and story.md without control sequences', async () => {
    const cwd = await createWorkspace({ hostile: HOSTILE });
    const runId = parseRunId((await runHostile(cwd)).stdout);
    const status = await runMia(['workflow', 'status', runId], { cwd });
    expect(status.stdout).not.toMatch(CONTROL);
    expect(status.stdout).toContain('failed      fail');
    expect(status.stdout).toContain('The command exited with 1: FAIL✓ fail');

    const story = await runMia(['workflow', 'story', runId], { cwd });
    const file = await readFile(join(cwd, '.mia/runs', runId, 'story.md'), 'utf8');
    for (const text of [story.stdout, file]) {
      expect(text).not.toMatch(CONTROL);
      expect(text).toContain('**Rising action** *[engineer]* · emitted AredB');
      expect(text).toContain('`fail` · broke after AredB');
      expect(text).toContain('Cause: The command exited with 1: FAIL✓ fail');
    }
  });

  it('keeps the bytes intact in --json output and in the step logs', async () => {
    const cwd = await createWorkspace({ hostile: HOSTILE });
    const { stdout } = await runHostile(cwd, ['--json']);
    const events = stdout
      .trim()
      .split('\n')
      .map(
        (line) =>
          JSON.parse(line) as { type: string; runId: string; payload: Record<string, unknown> },
      );
    const logged = events.find(
      (e) => e.type === 'workflow.step.log' && e.payload.stepId === 'emit',
    );
    expect(logged?.payload.text).toBe('log \u001b]0;LOG-TITLE\u0007 line\n');
    const completed = events.find((e) => e.type === 'workflow.step.completed');
    expect((completed?.payload.outputs as { evil?: string } | undefined)?.evil).toContain(
      'A\u001b]0;PWNED-TITLE\u0007\u001b[2J\u001b[31;1;4mred\u001b[0m\bB',
    );
    const runId = events[0]?.runId ?? '';

    const status = await runMia(['workflow', 'status', runId, '--json'], { cwd });
    const summary = JSON.parse(status.stdout) as {
      steps: Array<{ id: string; error?: { message: string } }>;
    };
    expect(summary.steps.find((s) => s.id === 'fail')?.error?.message).toBe(
      'The command exited with 1: FAIL\u001b[1A\u001b[2K\r\u001b[32m✓ fail\u001b[0m',
    );
    const logs = join(cwd, '.mia/runs', runId, 'logs');
    expect(await readFile(join(logs, 'emit.log'), 'utf8')).toBe(
      'log \u001b]0;LOG-TITLE\u0007 line\n',
    );
    expect(await readFile(join(logs, 'fail.log'), 'utf8')).toContain(
      'FAIL\u001b[1A\u001b[2K\r\u001b[32m✓ fail\u001b[0m\n',
    );
  });

  it('keeps output that is not UTF-8 byte for byte in the step log, and shows it decoded', async () => {
    const cwd = await createWorkspace({
      binary: `name: binary
narrative: "Bytes stay bytes"
steps:
  - id: dump
    action: shell
    with: { run: "cat noise.bin" }
`,
    });
    // Every byte value, lone continuation bytes and truncated sequences included, over many lines.
    const noise = Buffer.alloc(70_000);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919) % 256;
    await writeFile(join(cwd, 'noise.bin'), noise);
    const result = await runMia(['workflow', 'run', 'binary', '--json'], { cwd });
    expect(result.exitCode, result.stderr).toBe(0);
    const events = result.stdout
      .trim()
      .split('\n')
      .map(
        (line) => JSON.parse(line) as { type: string; runId: string; payload: { text?: string } },
      );
    const runId = events[0]?.runId ?? '';
    expect(await readFile(join(cwd, '.mia/runs', runId, 'logs/dump.log'))).toEqual(noise);
    const text = events
      .filter((e) => e.type === 'workflow.step.log')
      .map((e) => e.payload.text)
      .join('');
    expect(text).toBe(noise.toString('utf8'));
  });

  it('reaches `runs` and the errors the CLI prints without control sequences from a path', async () => {
    // A workspace whose very name holds a window title: error messages quote paths.
    const parent = await mkdtemp(join(tmpdir(), 'mia-safety-'));
    const cwd = join(parent, 'ws\u001b]0;PATH-TITLE\u0007\u001b[2Jend');
    const runId = '20260101-000000-abcdef';
    await mkdir(join(cwd, '.mia/runs', runId), { recursive: true });
    await writeFile(join(cwd, '.mia/runs', runId, 'events.jsonl'), 'not an event\n{}\n');

    const runs = await runMia(['workflow', 'runs'], { cwd });
    expect(runs.exitCode).toBe(0);
    expect(runs.stdout).toContain(`${runId}  unreadable:`);
    expect(runs.stdout).toContain('wsend/.mia/runs');
    expect(runs.stdout).not.toMatch(CONTROL);

    const status = await runMia(['workflow', 'status', runId], { cwd });
    expect(status.exitCode).not.toBe(0);
    expect(status.stderr).toContain('wsend/.mia/runs');
    expect(status.stderr).not.toMatch(CONTROL);
  });
});
