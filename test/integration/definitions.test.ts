// The definition and inspection commands end to end: validate, show, ls, status, runs, and usage errors.

import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createWorkspace, PACKAGE_ROOT, runMia } from '../helpers/cli.js';
import { parseRunId } from '../helpers/run-files.js';

const BROKEN = `name: broken
narrative: "Everything is wrong at once"
steps:
  - id: a
    action: shell
    depends_on: [b]
    with: { run: "true" }
  - id: b
    action: shel
    depends_on: [c]
    with: { run: "true" }
  - id: c
    action: shell
    depends_on: [a, ghost]
    dependson: [a]
    with: { run: "true" }
`;

const GOOD = `name: good
narrative: "Two steps meet in a third"
steps:
  - { id: left, action: shell, with: { run: "echo left" } }
  - { id: right, action: shell, with: { run: "echo right" } }
  - { id: join, action: shell, depends_on: [left, right], with: { run: "echo joined" } }
`;

/** The lines of an output, without the indentation. */
function linesOf(text: string): string[] {
  return text.split('\n').map((line) => line.trim());
}

describe('mia workflow validate', () => {
  it('prints every problem of a definition at once as file:line:col: message, and exits 2', async () => {
    const ws = await createWorkspace({ broken: BROKEN });
    const result = await runMia(['workflow', 'validate', 'broken'], { cwd: ws });
    expect(result.exitCode).toBe(2);
    const file = '.mia/workflows/broken.yaml';
    const problems = linesOf(result.stderr).filter((line) => line.startsWith(file));
    expect(problems).toHaveLength(4);
    expect(problems[0]).toBe(
      `${file}:6:18: Cycle in depends_on: a -> b -> c -> a (each step waits for the next, so none of them can start).`,
    );
    expect(problems[1]).toMatch(
      new RegExp(`^${file}:9:13: Unknown action "shel" in step "b"\\. Did you mean "shell"\\?`),
    );
    expect(problems[2]).toBe(`${file}:14:21: Step "c" depends on unknown step "ghost".`);
    expect(problems[3]).toBe(
      `${file}:15:5: Unknown field "dependson" in step "c". Did you mean "depends_on"?`,
    );
  });

  it('exits 0 for a valid definition and says so on stdout', async () => {
    const ws = await createWorkspace({ good: GOOD });
    const result = await runMia(['workflow', 'validate', 'good'], { cwd: ws });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('good');
    expect(result.stderr).toBe('');
  });

  it('checks every workflow of the workspace when none is named, and fails if one is invalid', async () => {
    const ws = await createWorkspace({ good: GOOD, broken: BROKEN });
    const result = await runMia(['workflow', 'validate', '--json'], { cwd: ws });
    expect(result.exitCode).toBe(2);
    const results = JSON.parse(result.stdout) as Array<{ valid: boolean; problems: string[] }>;
    expect(results.map((r) => r.valid).sort()).toEqual([false, true]);
    expect(results.find((r) => !r.valid)?.problems).toHaveLength(4);
  });
});

describe('mia workflow show', () => {
  it('shows the plan as text: levels and the critical path', async () => {
    const ws = await createWorkspace({ good: GOOD });
    const result = await runMia(['workflow', 'show', 'good'], { cwd: ws });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('good: Two steps meet in a third');
    expect(result.stdout).toMatch(/Level 1\n\s+left .*\n\s+right /);
    expect(result.stdout).toMatch(/Level 2\n\s+join .*after left, right/);
    expect(result.stdout).toMatch(/Critical path: (left|right) -> join \(2 steps\)/);
  });

  it('shows the plan as JSON with levels and the critical path', async () => {
    const ws = await createWorkspace({ good: GOOD });
    const result = await runMia(['workflow', 'show', 'good', '--format', 'json'], { cwd: ws });
    expect(result.exitCode, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout) as {
      name: string;
      levels: string[][];
      criticalPath: string[];
      steps: Array<{ id: string; dependsOn: string[] }>;
    };
    expect(plan.name).toBe('good');
    expect(plan.levels).toEqual([['left', 'right'], ['join']]);
    expect(plan.criticalPath).toHaveLength(2);
    expect(plan.criticalPath.at(-1)).toBe('join');
    expect(plan.steps.find((s) => s.id === 'join')?.dependsOn).toEqual(['left', 'right']);
  });

  it('shows the plan as a mermaid graph', async () => {
    const ws = await createWorkspace({ good: GOOD });
    const result = await runMia(['workflow', 'show', 'good', '--format', 'mermaid'], { cwd: ws });
    expect(result.exitCode, result.stderr).toBe(0);
    const lines = linesOf(result.stdout);
    expect(lines[0]).toBe('graph TD');
    expect(lines.filter((line) => line.includes('-->') || line.includes('==>'))).toHaveLength(2);
    for (const id of ['left', 'right', 'join']) expect(result.stdout).toContain(`"${id}<br/>`);
  });

  it('refuses an unknown format with exit 2', async () => {
    const ws = await createWorkspace({ good: GOOD });
    const result = await runMia(['workflow', 'show', 'good', '--format', 'svg'], { cwd: ws });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--format "svg" is not one of text, json, mermaid.');
  });
});

describe('mia workflow ls', () => {
  it('lists the built-in hello-world template', async () => {
    const ws = await createWorkspace();
    const result = await runMia(['workflow', 'ls'], { cwd: ws });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^hello-world\s+\(template\)/m);
  });

  it('marks a workspace workflow that overrides a template', async () => {
    const ws = await createWorkspace({
      'hello-world': `name: hello-world
narrative: "A greeting, our way"
extends: hello-world
remove: [count]
steps:
  - { id: wrap-up, depends_on: [greet] }
`,
    });
    const text = await runMia(['workflow', 'ls'], { cwd: ws });
    expect(text.exitCode, text.stderr).toBe(0);
    expect(text.stdout).toMatch(
      /^hello-world\s+\(workspace, overrides template, extends hello-world\)\s+A greeting, our way$/m,
    );
    const json = await runMia(['workflow', 'ls', '--json'], { cwd: ws });
    const entries = JSON.parse(json.stdout) as Array<{
      name: string;
      kind: string;
      overrides: boolean;
    }>;
    expect(entries.filter((e) => e.name === 'hello-world')).toEqual([
      expect.objectContaining({ kind: 'workspace', overrides: true }),
      expect.objectContaining({ kind: 'template', overrides: false }),
    ]);
  });
});

describe('the mia command line', () => {
  it('prints the package version with --version', async () => {
    const pkg = JSON.parse(await readFile(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
      version: string;
    };
    const result = await runMia(['--version'], { cwd: tmpdir() });
    expect(result.exitCode).toBe(0);
    expect(result.stdout.trim()).toBe(pkg.version);
  });

  it.each([
    [['workflow', 'frob'], "unknown command 'frob'"],
    [['workflow', 'ls', '--bogus'], "unknown option '--bogus'"],
    [['workflow', 'run'], "missing required argument 'name'"],
  ])('exits 2 for bad usage: mia %j', async (args, message) => {
    const ws = await createWorkspace();
    const result = await runMia(args, { cwd: ws });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it('shows help on stderr and exits 2 for `mia workflow` without a verb', async () => {
    const ws = await createWorkspace();
    const result = await runMia(['workflow'], { cwd: ws });
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('Usage: mia workflow');
    expect(result.stderr).toMatch(/validate \[options\] \[names\.\.\.\]/);
  });

  it('works on the workspace named by -C from another directory', async () => {
    const ws = await createWorkspace({ good: GOOD });
    const before = await runMia(['-C', ws, 'workflow', 'validate', 'good'], { cwd: tmpdir() });
    expect(before.exitCode, before.stderr).toBe(0);
    const after = await runMia(['workflow', 'ls', '-C', ws], { cwd: tmpdir() });
    expect(after.stdout).toMatch(/^good\s+\(workspace\)/m);
    const missing = await runMia(['-C', join(ws, 'nowhere'), 'workflow', 'ls'], { cwd: tmpdir() });
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('is not a directory');
  });
});

describe('mia workflow status and runs', () => {
  it('describe a finished run as JSON', async () => {
    const ws = await createWorkspace({ good: GOOD });
    const run = await runMia(['workflow', 'run', 'good'], { cwd: ws });
    expect(run.exitCode, run.stderr).toBe(0);
    const runId = parseRunId(run.stdout);

    const status = await runMia(['workflow', 'status', runId, '--json'], { cwd: ws });
    expect(status.exitCode, status.stderr).toBe(0);
    const summary = JSON.parse(status.stdout) as Record<string, unknown> & {
      steps: Array<Record<string, unknown>>;
    };
    expect(summary).toMatchObject({
      runId,
      workflow: 'good',
      narrative: 'Two steps meet in a third',
      status: 'completed',
      ownerPid: null,
      completed: 3,
      total: 3,
      resumes: 0,
    });
    expect(summary.steps.map((s) => [s.id, s.status, s.attempts])).toEqual([
      ['left', 'completed', 1],
      ['right', 'completed', 1],
      ['join', 'completed', 1],
    ]);
    expect(summary.steps[2]?.outputs).toEqual({ exitCode: 0, stdout: 'joined' });

    const runs = await runMia(['workflow', 'runs', '--json'], { cwd: ws });
    expect(runs.exitCode, runs.stderr).toBe(0);
    const history = JSON.parse(runs.stdout) as Array<Record<string, unknown>>;
    expect(history).toEqual([
      expect.objectContaining({ runId, workflow: 'good', status: 'completed', completed: 3 }),
    ]);
    expect(history[0]).not.toHaveProperty('steps');
  });

  it('prints an empty history as an empty JSON array', async () => {
    const ws = await createWorkspace();
    const runs = await runMia(['workflow', 'runs', '--json'], { cwd: ws });
    expect(runs.exitCode, runs.stderr).toBe(0);
    expect(JSON.parse(runs.stdout)).toEqual([]);
  });

  it('exits 2 for the status of an unknown run and says how to list runs', async () => {
    const ws = await createWorkspace();
    const result = await runMia(['workflow', 'status', '20260101-000000-abcdef'], { cwd: ws });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('20260101-000000-abcdef');
    expect(result.stderr).toContain('mia workflow runs');
  });

  it.each([
    [['workflow', 'status', '../x']],
    [['workflow', 'resume', '../x']],
    [['workflow', 'approve', '../x', 'step']],
  ])('refuses a path-like run id with exit 2: mia %j', async (args) => {
    const ws = await createWorkspace();
    const result = await runMia(args, { cwd: ws });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('Invalid run id "../x".');
  });
});
