// `--dry-run` on run and resume: the plan with each step's verdict and why; nothing runs, nothing
// is written under .mia/runs (or .mia/cache), exit 0, and 2 for an invalid definition.

import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createWorkspace, runMia, startMia } from '../helpers/cli.js';
import { waitUntil } from '../helpers/processes.js';
import { parseRunId, readMarkers } from '../helpers/run-files.js';

const WORKFLOW = [
  'name: ship',
  'narrative: "We see the plan before we pay for it"',
  'inputs:',
  '  deploy: { default: "no" }',
  'steps:',
  '  - id: build',
  '    action: shell',
  '    with: { run: "echo build >> ran.log; mkdir -p dist; cp src/a.txt dist/" }',
  '    cache: { inputs: ["src/**"], outputs: ["dist/**"] }',
  '  - id: test',
  '    action: shell',
  '    depends_on: [build]',
  '    with: { run: "echo test >> ran.log; echo ok" }',
  '  - id: deploy',
  '    action: shell',
  '    depends_on: [test]',
  `    when: "\${{ inputs.deploy == 'yes' }}"`,
  '    with: { run: "echo deploy >> ran.log" }',
  '  - id: notify',
  '    action: shell',
  '    depends_on: [test]',
  '    when: "${{ steps.test.outputs.exitCode == 0 }}"',
  '    with: { run: "echo notify >> ran.log" }',
  '',
].join('\n');

async function setUp(): Promise<string> {
  const ws = await createWorkspace({ ship: WORKFLOW });
  await mkdir(join(ws, 'src'));
  await writeFile(join(ws, 'src/a.txt'), 'a\n');
  return ws;
}

async function listRuns(ws: string): Promise<string[]> {
  return existsSync(join(ws, '.mia/runs')) ? (await readdir(join(ws, '.mia/runs'))).sort() : [];
}

describe('mia workflow run --dry-run', () => {
  it('prints each step as runs, skipped or decided at run time, with why, and runs nothing', async () => {
    const ws = await setUp();
    const result = await runMia(['workflow', 'run', 'ship', '--dry-run'], { cwd: ws });
    expect(result.exitCode, result.stderr).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe('dry run ship');
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}runs +build +no cache entry$/));
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}runs +test$/));
    expect(lines).toContainEqual(
      expect.stringMatching(/^ {2}skipped +deploy +its condition .* is false$/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^ {2}at run time +notify +its condition reads steps\.test/),
    );
    expect(await readMarkers(join(ws, 'ran.log'))).toEqual([]);
    expect(existsSync(join(ws, '.mia/runs'))).toBe(false);
    expect(existsSync(join(ws, '.mia/cache'))).toBe(false);
  });

  it('says which steps come from the cache, and from which run, in JSON too', async () => {
    const ws = await setUp();
    const first = await runMia(['workflow', 'run', 'ship'], { cwd: ws });
    const runId = parseRunId(first.stdout);
    const runsBefore = await listRuns(ws);
    const result = await runMia(
      ['workflow', 'run', 'ship', '--dry-run', '--json', '--input', 'deploy=yes'],
      { cwd: ws },
    );
    expect(result.exitCode, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout);
    expect(plan).toMatchObject({ dryRun: true, workflow: 'ship', runId: null });
    expect(
      plan.steps.map((step: { id: string; verdict: string }) => [step.id, step.verdict]),
    ).toEqual([
      ['build', 'cache'],
      ['test', 'runs'],
      ['deploy', 'runs'],
      ['notify', 'runtime'],
    ]);
    expect(plan.steps[0]).toMatchObject({
      from: runId,
      fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(await listRuns(ws)).toEqual(runsBefore);
    const text = await runMia(['workflow', 'run', 'ship', '--dry-run', '--no-cache'], { cwd: ws });
    expect(text.stdout).toMatch(/^ {2}runs +build +the cache is off \(--no-cache\)$/m);
  });

  it('exits 2 for an invalid definition, and leaves no run', async () => {
    const ws = await createWorkspace({
      bad: 'name: bad\nnarrative: "x"\nsteps:\n  - id: a\n    action: shell\n    cache: { inputs: ["../outside/**"], outputz: [] }\n',
    });
    const result = await runMia(['workflow', 'run', 'bad', '--dry-run'], { cwd: ws });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/bad\.yaml:\d+:\d+/);
    expect(result.stderr).toContain('outputz');
    expect(existsSync(join(ws, '.mia/runs'))).toBe(false);
  });
});

describe('mia workflow resume --dry-run', () => {
  it('says what a resume would keep and run again, and leaves the run as it was', async () => {
    const ws = await setUp();
    await writeFile(join(ws, 'src/a.txt'), 'a\n');
    const failing = WORKFLOW.replace(
      'echo test >> ran.log; echo ok',
      'echo test >> ran.log; test -f fixed',
    );
    await writeFile(join(ws, '.mia/workflows/ship.yaml'), failing);
    const first = await runMia(['workflow', 'run', 'ship'], { cwd: ws });
    expect(first.exitCode).toBe(1);
    const runId = parseRunId(first.stdout);
    const eventsBefore = await readdir(join(ws, '.mia/runs', runId));
    const log = join(ws, '.mia/runs', runId, 'events.jsonl');
    const before = await readFile(log, 'utf8');
    const result = await runMia(['workflow', 'resume', runId, '--dry-run'], { cwd: ws });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout.split('\n').slice(0, 2)).toEqual([
      'dry run ship',
      `resume of run ${runId}`,
    ]);
    expect(result.stdout).toMatch(/^ {2}skipped +build +completed earlier in this run: kept$/m);
    expect(result.stdout).toMatch(/^ {2}runs +test$/m);
    const json = JSON.parse(
      (
        await runMia(['workflow', 'resume', '--last', '--dry-run', '--json', '--from', 'build'], {
          cwd: ws,
        })
      ).stdout,
    );
    expect(json.steps[0]).toMatchObject({ id: 'build', verdict: 'cache', from: runId });
    expect(await readMarkers(join(ws, 'ran.log'))).toEqual(['build', 'test']);
    expect(await readdir(join(ws, '.mia/runs', runId))).toEqual(eventsBefore);
    expect(await readFile(log, 'utf8')).toBe(before);
  });

  it('exits 2 for a run another process holds, as resume does, naming the process', async () => {
    const ws = await createWorkspace({
      gate: 'name: gate\nnarrative: "x"\nsteps:\n  - id: ask\n    action: approve\n',
    });
    const child = startMia(['workflow', 'run', 'gate'], { cwd: ws });
    try {
      const waiting = await waitUntil(async () => {
        const status = await runMia(['workflow', 'status', '--last', '--json'], { cwd: ws });
        return status.stdout.includes('"waiting"');
      }, 30_000);
      expect(waiting).toBe(true);
      const result = await runMia(['workflow', 'resume', '--last', '--dry-run'], { cwd: ws });
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toContain(String(child.pid));
    } finally {
      child.kill('SIGKILL');
      await child;
    }
  });

  it('exits 2 for a step --from does not know, naming the steps', async () => {
    const ws = await setUp();
    await runMia(['workflow', 'run', 'ship'], { cwd: ws });
    const result = await runMia(['workflow', 'resume', '--last', '--dry-run', '--from', 'tset'], {
      cwd: ws,
    });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('Did you mean "test"');
  });
});
