// Scripts fail fast, in the shell each step names, through the CLI: run, validate, show.

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findProgram } from '../../src/actions/engineer/script.js';
import { createWorkspace, runMia } from '../helpers/cli.js';
import { eventsFor, parseRunId, readRunEvents } from '../helpers/run-files.js';

/** A workflow file of these lines under `name: <name>` and a narrative. */
function workflow(name: string, ...lines: string[]): string {
  return [`name: ${name}`, 'narrative: "Scripts keep their word"', ...lines, ''].join('\n');
}

/** Runs a workflow; returns the exit code, output, run id and events. */
async function runWorkflow(ws: string, name: string, env: Record<string, string> = {}) {
  const result = await runMia(['workflow', 'run', name], { cwd: ws, env });
  const runId = parseRunId(result.stdout);
  return { ...result, runId, events: await readRunEvents(ws, runId) };
}

describe('scripts fail fast', () => {
  it.each(['bash', 'sh'])(
    'fails a step whose multi-line %s script fails on its first line, and runs nothing after',
    async (shell) => {
      const ws = await createWorkspace({
        build: workflow(
          'build',
          'steps:',
          '  - id: build',
          '    action: shell',
          `    shell: ${shell}`,
          '    with:',
          '      run: |',
          '        test -f missing-file',
          '        touch after-the-failure',
        ),
      });
      const run = await runWorkflow(ws, 'build');
      expect(run.exitCode, run.stdout).toBe(1);
      expect(eventsFor(run.events, 'workflow.step.failed', 'build')).toHaveLength(1);
      expect(existsSync(join(ws, 'after-the-failure'))).toBe(false);
    },
  );

  it('fails a bash step when a command piped into cat fails (pipefail), by default', async () => {
    const ws = await createWorkspace({
      pipe: workflow(
        'pipe',
        'steps:',
        '  - id: pipe',
        '    action: shell',
        '    with: { run: "git log --no-such-option | cat" }',
      ),
    });
    const run = await runWorkflow(ws, 'pipe');
    expect(run.exitCode).toBe(1);
    const started = eventsFor(run.events, 'workflow.step.started', 'pipe')[0];
    expect(started?.payload.shell).toBe('bash');
  });

  it('fails a run-tests step whose command fails on its first line', async () => {
    const ws = await createWorkspace({
      check: workflow(
        'check',
        'steps:',
        '  - id: tests',
        '    action: run-tests',
        '    with:',
        '      command: |',
        '        false',
        '        echo "5 passed, 0 failed"',
      ),
    });
    const run = await runWorkflow(ws, 'check');
    expect(run.exitCode).toBe(1);
    const failed = eventsFor(run.events, 'workflow.step.failed', 'tests')[0];
    expect(failed?.payload.outputs).toMatchObject({ exitCode: 1 });
  });
});

describe('shells and defaults', () => {
  it('runs node and python scripts as programs, with values through env', async () => {
    const ws = await createWorkspace({
      programs: workflow(
        'programs',
        'inputs: { who: { default: "nobody" } }',
        'steps:',
        '  - id: js',
        '    action: shell',
        '    shell: node',
        '    env: { WHO: "${{ inputs.who }}" }',
        '    with:',
        '      run: |',
        "        const fs = require('node:fs');",
        '        fs.appendFileSync(process.env.MIA_OUTPUT, `greeting=hello ${process.env.WHO}\\n`);',
        '  - id: py',
        '    action: shell',
        '    shell: python',
        '    depends_on: [js]',
        '    env: { GREETING: "${{ steps.js.outputs.greeting }}" }',
        '    with:',
        '      run: |',
        '        import os',
        '        print(os.environ["GREETING"].upper())',
      ),
    });
    const result = await runMia(['workflow', 'run', 'programs', '--input', 'who=$(id) "you"'], {
      cwd: ws,
    });
    expect(result.exitCode, result.stderr).toBe(0);
    const events = await readRunEvents(ws, parseRunId(result.stdout));
    const completed = eventsFor(events, 'workflow.step.completed', 'py')[0];
    expect(completed?.payload.outputs).toMatchObject({ stdout: 'HELLO $(ID) "YOU"' });
    const shells = eventsFor(events, 'workflow.step.started').map((e) => e.payload.shell);
    expect(shells).toEqual(['node', 'python']);
  });

  it('applies defaults.shell and defaults.cwd, and lets a step override both', async () => {
    const ws = await createWorkspace({
      where: workflow(
        'where',
        'defaults: { shell: sh, cwd: packages/app }',
        'steps:',
        '  - { id: inherits, action: shell, with: { run: "pwd" } }',
        '  - { id: overrides, action: shell, shell: bash, with: { run: "pwd", cwd: docs } }',
      ),
    });
    await mkdir(join(ws, 'packages/app'), { recursive: true });
    await mkdir(join(ws, 'docs'));
    const run = await runWorkflow(ws, 'where');
    expect(run.exitCode, run.stdout).toBe(0);
    const stdout = (id: string) =>
      eventsFor(run.events, 'workflow.step.completed', id)[0]?.payload.outputs as {
        stdout: string;
      };
    expect(stdout('inherits').stdout).toBe(join(ws, 'packages/app'));
    expect(stdout('overrides').stdout).toBe(join(ws, 'docs'));
    const started = eventsFor(run.events, 'workflow.step.started');
    expect(started.map((event) => [event.payload.stepId, event.payload.shell])).toEqual([
      ['inherits', 'sh'],
      ['overrides', 'bash'],
    ]);
  });

  it('fails a step whose shell is not installed, saying what to install', async () => {
    const path = await mkdtemp(join(tmpdir(), 'mia-path-'));
    for (const program of ['sh', 'bash', 'git']) {
      const target = findProgram(program, process.env.PATH);
      if (target === undefined) throw new Error(`${program} is needed on PATH for this test`);
      await symlink(target, join(path, program));
    }
    const ws = await createWorkspace({
      py: workflow(
        'py',
        'steps:',
        '  - { id: py, action: shell, shell: python, with: { run: "print(1)" } }',
      ),
    });
    const run = await runWorkflow(ws, 'py', { PATH: path });
    expect(run.exitCode).toBe(1);
    const failed = eventsFor(run.events, 'workflow.step.failed', 'py')[0];
    expect(failed?.payload.error).toMatchObject({
      code: 'MIA_SHELL_NOT_FOUND',
      message:
        'shell: python needs python3, which is not on this machine\'s PATH: install Python 3 (python3), or give step "py" another shell (bash, sh or node).',
    });
    expect(run.stdout).toContain('install Python 3');
  });

  it('refuses ${{ }} in a python script before anything runs, naming where', async () => {
    const ws = await createWorkspace({
      py: workflow(
        'py',
        'inputs: { who: {} }',
        'steps:',
        '  - id: py',
        '    action: shell',
        '    shell: python',
        '    with:',
        '      run: |',
        '        print("${{ inputs.who }}")',
      ),
    });
    const result = await runMia(['workflow', 'run', 'py', '--input', 'who=x'], { cwd: ws });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      '.mia/workflows/py.yaml:10:16: ${{ inputs.who }} in "with.run" of step "py" cannot stand in a python script',
    );
    expect(existsSync(join(ws, '.mia/runs'))).toBe(false);
  });

  it('shows the shell of each step that runs a script', async () => {
    const ws = await createWorkspace({
      plan: workflow(
        'plan',
        'steps:',
        '  - { id: a, action: shell, shell: python, with: { run: "print(1)" } }',
        '  - { id: b, action: shell, with: { run: "true" } }',
        '  - { id: c, action: approve }',
      ),
    });
    const text = await runMia(['workflow', 'show', 'plan'], { cwd: ws });
    expect(text.stdout).toContain('a  shell (engineer) · shell python');
    expect(text.stdout).toContain('b  shell (engineer) · shell bash (default)');
    expect(text.stdout).toContain('c  approve (ceremony)\n');
    const json = await runMia(['workflow', 'show', 'plan', '--format', 'json'], { cwd: ws });
    const steps = (JSON.parse(json.stdout) as { steps: { shell: string | null }[] }).steps;
    expect(steps.map((step) => step.shell)).toEqual(['python', 'bash', null]);
  });
});

describe('mia workflow validate and values the shell evaluates', () => {
  it('warns with file:line:col and exits 0 when there are only warnings', async () => {
    const ws = await createWorkspace({
      count: workflow(
        'count',
        'inputs: { n: { default: "1" } }',
        'steps:',
        '  - id: count',
        '    action: shell',
        '    with:',
        '      run: |',
        '        echo counting',
        '        if [[ ${{ inputs.n }} -eq 1 ]]; then echo one; fi',
      ),
    });
    const result = await runMia(['workflow', 'validate', 'count'], { cwd: ws });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('✓ count\n');
    expect(result.stdout).toContain(
      '  warning: .mia/workflows/count.yaml:10:15: ${{ inputs.n }} in "with.run" of step "count" stands in bash arithmetic ([[ … -eq … ]])',
    );
    const json = await runMia(['workflow', 'validate', 'count', '--json'], { cwd: ws });
    const [checked] = JSON.parse(json.stdout) as { valid: boolean; warnings: string[] }[];
    expect(checked?.valid).toBe(true);
    expect(checked?.warnings).toHaveLength(1);
  });

  it('runs a warned workflow as written, and bash does evaluate the value as the warning says', async () => {
    const ws = await createWorkspace({
      count: workflow(
        'count',
        'inputs: { n: { default: "1" } }',
        'steps:',
        '  - { id: count, action: shell, with: { run: "[[ ${{ inputs.n }} -eq 1 ]] || true" } }',
      ),
    });
    const hostile = 'a[$(touch evaluated)]';
    const result = await runMia(['workflow', 'run', 'count', '--input', `n=${hostile}`], {
      cwd: ws,
    });
    expect(result.exitCode, result.stderr).toBe(0);
    // bash evaluated the value in [[ -eq ]], as README and the warning say it would.
    expect(existsSync(join(ws, 'evaluated'))).toBe(true);
  });
});
