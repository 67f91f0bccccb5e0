// A failed step keeps every output it produced: in its event, in status, to its dependents, across resumes.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createWorkspace, runMia } from '../helpers/cli.js';
import { eventsFor, parseRunId, readRunEvents } from '../helpers/run-files.js';

/** node:test files: `fails` of them fail. */
function nodeTests(fails: number): string {
  const lines = ["import test from 'node:test';", "import assert from 'node:assert';"];
  lines.push("test('adds', () => assert.equal(1 + 1, 2));");
  for (let i = 1; i <= 2; i++) {
    lines.push(`test('case ${i}', () => assert.equal(${i <= fails ? 1 : 0}, 0));`);
  }
  return `${lines.join('\n')}\n`;
}

async function statusJson(ws: string, runId: string) {
  const status = await runMia(['workflow', 'status', runId, '--json'], { cwd: ws });
  expect(status.exitCode, status.stderr).toBe(0);
  return JSON.parse(status.stdout) as {
    steps: Array<{ id: string; status: string; outputs: Record<string, unknown> }>;
  };
}

describe('outputs of failed steps', () => {
  it('exposes the counts of a failed run-tests step to its event, status and dependents', async () => {
    const ws = await createWorkspace({
      check: [
        'name: check',
        'narrative: "The tests speak"',
        'steps:',
        '  - id: test',
        '    action: run-tests',
        '    continue_on_error: true',
        '    tension: "${{ steps.test.outputs.failed }} of ${{ steps.test.outputs.total }} tests broke"',
        '    with: { command: "node --test" }',
        '  - id: report',
        '    action: shell',
        '    depends_on: [test]',
        '    env:',
        '      FAILED: "${{ steps.test.outputs.failed }}"',
        '      NAMES: "${{ join(steps.test.outputs.failedTests, \';\') }}"',
        '      CODE: "${{ steps.test.outputs.exitCode }}"',
        '    with: { run: \'echo "failed=$FAILED names=$NAMES code=$CODE"\' }',
        '',
      ].join('\n'),
    });
    await writeFile(join(ws, 'math.test.mjs'), nodeTests(2));
    const result = await runMia(['workflow', 'run', 'check'], { cwd: ws });
    expect(result.exitCode, result.stderr).toBe(0);
    const runId = parseRunId(result.stdout);
    const events = await readRunEvents(ws, runId);
    const failed = eventsFor(events, 'workflow.step.failed', 'test')[0];
    expect(failed?.payload.outputs).toEqual({
      passed: 1,
      failed: 2,
      skipped: 0,
      total: 3,
      runner: 'node:test',
      failedTests: ['case 1', 'case 2'],
      failedFiles: [],
      exitCode: 1,
    });
    expect(eventsFor(events, 'workflow.tension', 'test')[0]?.payload.text).toBe(
      '2 of 3 tests broke',
    );
    const report = eventsFor(events, 'workflow.step.completed', 'report')[0];
    expect(report?.payload.outputs).toMatchObject({
      stdout: 'failed=2 names=case 1;case 2 code=1',
    });
    const status = await statusJson(ws, runId);
    expect(status.steps.find((step) => step.id === 'test')).toMatchObject({
      status: 'failed',
      outputs: { failed: 2, passed: 1, exitCode: 1 },
    });
  });

  it("keeps a failed shell step's exit code, stdout and $MIA_OUTPUT values", async () => {
    const ws = await createWorkspace({
      probe: [
        'name: probe',
        'narrative: "A probe reports"',
        'steps:',
        '  - id: probe',
        '    action: shell',
        '    continue_on_error: true',
        '    with: { run: \'echo "found=3" >> "$MIA_OUTPUT"; echo partial; exit 4\' }',
        '  - id: after',
        '    action: shell',
        '    depends_on: [probe]',
        '    with: { run: "echo ${{ steps.probe.outputs.found }}/${{ steps.probe.outputs.exitCode }}" }',
        '',
      ].join('\n'),
    });
    const result = await runMia(['workflow', 'run', 'probe'], { cwd: ws });
    expect(result.exitCode, result.stderr).toBe(0);
    const runId = parseRunId(result.stdout);
    const events = await readRunEvents(ws, runId);
    expect(eventsFor(events, 'workflow.step.failed', 'probe')[0]?.payload.outputs).toEqual({
      found: '3',
      exitCode: 4,
      stdout: 'partial',
    });
    expect(eventsFor(events, 'workflow.step.completed', 'after')[0]?.payload.outputs).toMatchObject(
      { stdout: '3/4' },
    );
  });

  it('keeps the outputs a custom action attaches to the error it throws', async () => {
    const ws = await createWorkspace({
      scan: [
        'name: scan',
        'narrative: "A scan finds what it finds"',
        'steps:',
        '  - { id: scan, action: scanner, continue_on_error: true }',
        '  - id: triage',
        '    action: shell',
        '    depends_on: [scan]',
        '    with: { run: "echo ${{ steps.scan.outputs.findings }}" }',
        '',
      ].join('\n'),
    });
    await mkdir(join(ws, '.mia/actions'), { recursive: true });
    await writeFile(
      join(ws, '.mia/actions/scanner.mjs'),
      `export default {
  name: 'scanner',
  universes: ['engineer'],
  async run() {
    throw Object.assign(new Error('2 findings'), { outputs: { findings: 2, worst: 'high' } });
  },
};
`,
    );
    const result = await runMia(['workflow', 'run', 'scan'], { cwd: ws });
    expect(result.exitCode, result.stderr).toBe(0);
    const runId = parseRunId(result.stdout);
    const events = await readRunEvents(ws, runId);
    expect(eventsFor(events, 'workflow.step.failed', 'scan')[0]?.payload.outputs).toEqual({
      findings: 2,
      worst: 'high',
    });
    expect(
      eventsFor(events, 'workflow.step.completed', 'triage')[0]?.payload.outputs,
    ).toMatchObject({ stdout: '2' });
  });

  it('shows the outputs of the latest attempt after each resume, never stale ones', async () => {
    const ws = await createWorkspace({
      check: [
        'name: check',
        'narrative: "The tests speak"',
        'steps:',
        '  - { id: test, action: run-tests, with: { command: "node --test" } }',
        '  - id: report',
        '    action: shell',
        '    depends_on: [test]',
        '    with: { run: "echo passed=${{ steps.test.outputs.passed }}" }',
        '',
      ].join('\n'),
    });
    await writeFile(join(ws, 'math.test.mjs'), nodeTests(2));
    const first = await runMia(['workflow', 'run', 'check'], { cwd: ws });
    expect(first.exitCode).toBe(1);
    const runId = parseRunId(first.stdout);
    expect((await statusJson(ws, runId)).steps[0]?.outputs).toMatchObject({ failed: 2 });

    await writeFile(join(ws, 'math.test.mjs'), nodeTests(1));
    expect((await runMia(['workflow', 'resume', runId], { cwd: ws })).exitCode).toBe(1);
    expect((await statusJson(ws, runId)).steps[0]?.outputs).toMatchObject({
      failed: 1,
      passed: 2,
      failedTests: ['case 1'],
    });

    await writeFile(join(ws, 'math.test.mjs'), nodeTests(0));
    const last = await runMia(['workflow', 'resume', runId], { cwd: ws });
    expect(last.exitCode, last.stderr).toBe(0);
    const status = await statusJson(ws, runId);
    expect(status.steps[0]).toMatchObject({
      status: 'completed',
      outputs: { failed: 0, passed: 3 },
    });
    expect(status.steps[1]?.outputs).toMatchObject({ stdout: 'passed=3' });
  });
});
