// Matrix steps through the CLI: legs as steps of the run, their logs, what dependents read,
// fail_fast, max_parallel, resume and --from a leg, and bad matrices.

import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createWorkspace, runMia } from '../helpers/cli.js';
import { isEvent, startLiveRun } from '../helpers/live-run.js';
import { eventsFor, parseRunId, readRunEvents, type StoredEvent } from '../helpers/run-files.js';

function workflow(name: string, ...lines: string[]): string {
  return [`name: ${name}`, 'narrative: "Every combination is proven"', ...lines, ''].join('\n');
}

async function runWorkflow(ws: string, args: string[]) {
  const result = await runMia(args, { cwd: ws });
  const runId = parseRunId(result.stdout);
  return { ...result, runId, events: await readRunEvents(ws, runId) };
}

const startedIds = (events: StoredEvent[]) =>
  eventsFor(events, 'workflow.step.started').map((e) => String(e.payload.stepId));

/** The most steps among `ids` running at once, read from the order of their events. */
function maxRunningAtOnce(events: StoredEvent[], ids: readonly string[]): number {
  let running = 0;
  let most = 0;
  for (const event of events) {
    if (!ids.includes(String(event.payload.stepId))) continue;
    if (event.type === 'workflow.step.started') most = Math.max(most, ++running);
    if (event.type === 'workflow.step.completed' || event.type === 'workflow.step.failed')
      running--;
  }
  return most;
}

const FLAKY = [
  'steps:',
  '  - id: test',
  '    action: shell',
  '    tension: "The tests of ${{ matrix.n }} fail"',
  '    strategy:',
  '      matrix: { n: [1, 2, 3, 4] }',
  '      max_parallel: 1',
  '    with:',
  '      run: |',
  '        if [ "${{ matrix.n }}" = 2 ] && [ ! -f fixed ]; then echo "leg 2 breaks"; exit 3; fi',
  '        echo "ran ${{ matrix.n }}" >> ran.txt',
  '  - id: after',
  '    action: shell',
  '    depends_on: [test]',
  '    with: { run: echo after >> ran.txt }',
];

describe('a matrix step', () => {
  it('runs one leg per combination, each a step with its values, and its dependent reads their outputs', async () => {
    const ws = await createWorkspace({
      grid: workflow(
        'grid',
        'steps:',
        '  - id: list',
        '    action: shell',
        `    with: { run: "echo 'pkgs=[\\"@scope/pkg\\", \\"..\\", \\"../../escape\\", \\"a b\\", \\"é\\"]' >> \\"$MIA_OUTPUT\\"" }`,
        '  - id: test',
        '    action: shell',
        '    beat: "Node ${{ matrix.node }} holds on ${{ matrix.os }}"',
        '    strategy:',
        '      matrix: { node: [20, 22], os: [linux, mac] }',
        '    with:',
        '      run: echo "v=${{ matrix.node }}-${{ matrix.os }}" >> "$MIA_OUTPUT"',
        '  - id: pkg',
        '    action: shell',
        '    depends_on: [list]',
        '    strategy:',
        '      matrix:',
        '        pkg: ${{ fromJSON(steps.list.outputs.pkgs) }}',
        '    with:',
        '      run: echo "package ${{ matrix.pkg }}"',
        '  - id: report',
        '    action: shell',
        '    depends_on: [test, pkg]',
        '    with:',
        '      run: |',
        "        echo '${{ toJSON(steps.test.outputs.v) }}' > report.txt",
        "        echo '${{ steps['test(22, mac)'].outputs.v }}' >> report.txt",
      ),
    });
    const run = await runWorkflow(ws, ['workflow', 'run', 'grid']);
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    const legs = ['test(20, linux)', 'test(20, mac)', 'test(22, linux)', 'test(22, mac)'];
    const pkgs = ['pkg(@scope/pkg)', 'pkg(..)', 'pkg(../../escape)', 'pkg(a b)', 'pkg(é)'];
    expect(startedIds(run.events).filter((id) => id.startsWith('test'))).toEqual(legs);
    expect(
      startedIds(run.events)
        .filter((id) => id.startsWith('pkg'))
        .sort(),
    ).toEqual([...pkgs].sort());
    expect(
      eventsFor(run.events, 'workflow.step.started', 'test(22, linux)')[0]?.payload.matrix,
    ).toEqual({
      node: 22,
      os: 'linux',
    });
    // The dependent starts after every leg, and reads their outputs as a list, or one leg's.
    const reportStart = run.events.findIndex(
      (e) => e.type === 'workflow.step.started' && e.payload.stepId === 'report',
    );
    const lastLegEnd = Math.max(
      ...[...legs, ...pkgs].map((id) =>
        run.events.findIndex(
          (e) => e.type === 'workflow.step.completed' && e.payload.stepId === id,
        ),
      ),
    );
    expect(reportStart).toBeGreaterThan(lastLegEnd);
    const report = (await readFile(join(ws, 'report.txt'), 'utf8')).split('\n');
    expect(JSON.parse(report.slice(0, -2).join('\n'))).toEqual([
      '20-linux',
      '20-mac',
      '22-linux',
      '22-mac',
    ]);
    expect(report.at(-2)).toBe('22-mac');
    expect(
      eventsFor(run.events, 'workflow.step.completed', 'test')[0]?.payload.outputs,
    ).toMatchObject({
      v: ['20-linux', '20-mac', '22-linux', '22-mac'],
      exitCode: [0, 0, 0, 0],
    });
    // Every leg's log is a file of the run's logs folder, whatever its values.
    const logs = await readdir(join(ws, '.mia/runs', run.runId, 'logs'));
    expect(logs).toEqual(
      expect.arrayContaining([
        'pkg(%40scope%2Fpkg).log',
        'pkg(%2E%2E).log',
        'pkg(%2E%2E%2F%2E%2E%2Fescape).log',
        'pkg(a%20b).log',
        'pkg(%C3%A9).log',
      ]),
    );
    for (const name of logs) expect(name).toMatch(/^[A-Za-z0-9_(),%-]+\.log$/);
    expect(
      await readFile(
        join(ws, '.mia/runs', run.runId, 'logs', 'pkg(%2E%2E%2F%2E%2E%2Fescape).log'),
        'utf8',
      ),
    ).toContain('package ../../escape');
    // status lists each leg under its step; the story tells each leg and the step as a whole.
    const status = await runMia(['workflow', 'status', run.runId, '--json'], { cwd: ws });
    const steps = JSON.parse(status.stdout).steps as {
      id: string;
      group?: string;
      status: string;
    }[];
    expect(steps.map((s) => s.id).slice(0, 6)).toEqual(['list', 'test', ...legs]);
    expect(steps.filter((s) => s.group === 'test').map((s) => s.id)).toEqual(legs);
    const text = await runMia(['workflow', 'status', run.runId], { cwd: ws });
    expect(text.stdout).toMatch(/completed {5}test\(20, linux\)/);
    const story = await readFile(join(ws, '.mia/runs', run.runId, 'story.md'), 'utf8');
    expect(story).toContain('test(22, mac): Node 22 holds on mac');
    expect(story).toContain('test is done: all 4 legs completed');
    expect(story).toContain('| test | engineer | completed |');
    expect(story).toContain('| test(20, linux) | engineer | completed | 1 |');
    expect(story).toContain('| report | engineer | completed | 1 |');
  });

  it('fails with a failed leg: its tension names the leg, fail_fast cancels the legs not yet started, the dependent waits', async () => {
    const ws = await createWorkspace({ flaky: workflow('flaky', ...FLAKY) });
    const run = await runWorkflow(ws, ['workflow', 'run', 'flaky']);
    expect(run.exitCode).toBe(1);
    expect(startedIds(run.events)).toEqual(['test(1)', 'test(2)']);
    for (const id of ['test(3)', 'test(4)']) {
      expect(eventsFor(run.events, 'workflow.step.skipped', id)[0]?.payload.reason).toBe(
        'fail_fast: leg "test(2)" failed, so this leg was cancelled before it started',
      );
    }
    const tension = eventsFor(run.events, 'workflow.tension', 'test')[0]?.payload;
    expect(tension?.text).toContain('test(2)');
    expect((tension?.error as { message: string } | undefined)?.message).toContain(
      'Leg "test(2)" of step "test" failed',
    );
    expect(eventsFor(run.events, 'workflow.tension', 'test(2)')[0]?.payload.text).toBe(
      'test(2): The tests of 2 fail',
    );
    expect(eventsFor(run.events, 'workflow.step.skipped', 'after')[0]?.payload.reason).toContain(
      '"test" failed',
    );
    expect(await readFile(join(ws, 'ran.txt'), 'utf8')).toBe('ran 1\n');
  });

  it('runs every leg despite a failure with fail_fast: false', async () => {
    const lines = FLAKY.map((line) =>
      line === '      max_parallel: 1' ? '      fail_fast: false' : line,
    );
    const ws = await createWorkspace({ flaky: workflow('flaky', ...lines) });
    const run = await runWorkflow(ws, ['workflow', 'run', 'flaky']);
    expect(run.exitCode).toBe(1);
    expect(startedIds(run.events).sort()).toEqual(['test(1)', 'test(2)', 'test(3)', 'test(4)']);
    expect(eventsFor(run.events, 'workflow.step.failed', 'test')).toHaveLength(1);
  });

  it('lets the run go on past a failed leg of a step allowed to fail', async () => {
    const lines = FLAKY.map((line) =>
      line === '      max_parallel: 1' ? '    continue_on_error: true' : line,
    );
    const ws = await createWorkspace({ flaky: workflow('flaky', ...lines) });
    const run = await runWorkflow(ws, ['workflow', 'run', 'flaky']);
    expect(run.exitCode, run.stdout).toBe(0);
    expect(eventsFor(run.events, 'workflow.step.failed', 'test')[0]?.payload.continueOnError).toBe(
      true,
    );
    expect(startedIds(run.events)).toContain('after');
  });

  it.each([1, 2])('runs at most max_parallel: %i legs at once', async (most) => {
    const ws = await createWorkspace({
      par: workflow(
        'par',
        'concurrency: 8',
        'steps:',
        '  - id: leg',
        '    action: shell',
        `    strategy: { matrix: { n: [1, 2, 3, 4, 5] }, max_parallel: ${most} }`,
        '    with: { run: "sleep 0.05" }',
      ),
    });
    const run = await runWorkflow(ws, ['workflow', 'run', 'par']);
    expect(run.exitCode).toBe(0);
    const legs = [1, 2, 3, 4, 5].map((n) => `leg(${n})`);
    expect(startedIds(run.events)).toHaveLength(5);
    expect(maxRunningAtOnce(run.events, legs)).toBeLessThanOrEqual(most);
  });

  it('resumes by re-running only the legs that did not complete, and --from one leg re-runs that leg', async () => {
    const ws = await createWorkspace({ flaky: workflow('flaky', ...FLAKY) });
    const first = await runWorkflow(ws, ['workflow', 'run', 'flaky']);
    expect(first.exitCode).toBe(1);
    await writeFile(join(ws, 'fixed'), '');
    const resumed = await runMia(['workflow', 'resume', first.runId], { cwd: ws });
    expect(resumed.exitCode, resumed.stdout + resumed.stderr).toBe(0);
    const events = await readRunEvents(ws, first.runId);
    const resumedAt = events.findIndex((e) => e.type === 'workflow.resumed');
    expect(events[resumedAt]?.payload.kept).toEqual(['test(1)']);
    expect(startedIds(events.slice(resumedAt))).toEqual(['test(2)', 'test(3)', 'test(4)', 'after']);
    expect(await readFile(join(ws, 'ran.txt'), 'utf8')).toBe('ran 1\nran 2\nran 3\nran 4\nafter\n');

    const preview = await runMia(
      ['workflow', 'resume', first.runId, '--from', 'test(3)', '--dry-run'],
      { cwd: ws },
    );
    expect(preview.exitCode, preview.stderr).toBe(0);
    expect(preview.stdout).toMatch(/runs +test\n/);
    const again = await runMia(['workflow', 'resume', first.runId, '--from', 'test(3)'], {
      cwd: ws,
    });
    expect(again.exitCode, again.stderr).toBe(0);
    const last = await readRunEvents(ws, first.runId);
    const from = last.findLastIndex((e) => e.type === 'workflow.resumed');
    expect(startedIds(last.slice(from))).toEqual(['test(3)', 'after']);
    expect(last[from]?.payload.kept).toEqual(['test(1)', 'test(2)', 'test(4)']);

    const whole = await runMia(['workflow', 'resume', first.runId, '--from', 'test'], { cwd: ws });
    expect(whole.exitCode).toBe(0);
    const all = await readRunEvents(ws, first.runId);
    expect(startedIds(all.slice(all.findLastIndex((e) => e.type === 'workflow.resumed')))).toEqual([
      'test(1)',
      'test(2)',
      'test(3)',
      'test(4)',
      'after',
    ]);
  });

  it.each(['SIGKILL', 'SIGINT'] as const)(
    'resumes a run cut by %s in the middle of its legs, keeping the legs that completed',
    async (signal) => {
      const ws = await createWorkspace({
        slow: workflow(
          'slow',
          'steps:',
          '  - id: s',
          '    action: shell',
          '    strategy: { matrix: { n: [1, 2, 3] }, max_parallel: 1 }',
          '    with: { run: "if [ ${{ matrix.n }} = 2 ] && [ ! -f go ]; then touch waiting; sleep 30; fi; echo ${{ matrix.n }} >> ran.txt" }',
          '  - id: after',
          '    action: shell',
          '    depends_on: [s]',
          '    with: { run: echo after >> ran.txt }',
        ),
      });
      const run = startLiveRun(['workflow', 'run', 'slow'], { cwd: ws });
      await run.waitForEvents(isEvent('workflow.step.started', 's(2)'));
      // Leg 2 is past its check: it waits, whatever comes next.
      await expect.poll(() => existsSync(join(ws, 'waiting')), { timeout: 20_000 }).toBe(true);
      run.child.kill(signal);
      await run.child;
      await writeFile(join(ws, 'go'), '');
      const resumed = await runMia(['workflow', 'resume', run.runId()!], { cwd: ws });
      expect(resumed.exitCode, resumed.stderr).toBe(0);
      const events = await readRunEvents(ws, run.runId()!);
      const at = events.findIndex((e) => e.type === 'workflow.resumed');
      expect(events[at]?.payload.kept).toEqual(['s(1)']);
      expect(startedIds(events.slice(at))).toEqual(['s(2)', 's(3)', 'after']);
      expect(await readFile(join(ws, 'ran.txt'), 'utf8')).toBe('1\n2\n3\nafter\n');
    },
  );

  it("answers each leg's gate by the leg's id, whatever its values", async () => {
    const ws = await createWorkspace({
      gates: workflow(
        'gates',
        'steps:',
        '  - id: ok',
        '    action: approve',
        `    strategy: { matrix: { who: ["a/b", "it's me"] } }`,
        '    with: { prompt: "Approve ${{ matrix.who }}?" }',
      ),
    });
    const run = startLiveRun(['workflow', 'run', 'gates'], { cwd: ws });
    await run.waitForEvents(isEvent('workflow.step.waiting', 'ok(a/b)'));
    await run.waitForEvents(isEvent('workflow.step.waiting', "ok(it's me)"));
    const status = await runMia(['workflow', 'status', run.runId()!], { cwd: ws });
    expect(status.stdout).toContain(`mia workflow approve ${run.runId()} 'ok(it'\\''s me)'`);
    for (const leg of ['ok(a/b)', "ok(it's me)"]) {
      const answer = await runMia(['workflow', 'approve', run.runId()!, leg], { cwd: ws });
      expect(answer.exitCode, answer.stderr).toBe(0);
    }
    expect((await run.child).exitCode).toBe(0);
  });

  it('forgets the legs of an earlier expansion once the matrix expands anew on resume', async () => {
    const ws = await createWorkspace({
      anew: workflow(
        'anew',
        'steps:',
        '  - id: list',
        '    action: shell',
        `    with: { run: "echo pkgs=$(cat pkgs.json) >> \\"$MIA_OUTPUT\\"" }`,
        '  - id: pkg',
        '    action: shell',
        '    depends_on: [list]',
        '    strategy: { matrix: { pkg: "${{ fromJSON(steps.list.outputs.pkgs) }}" } }',
        '    with: { run: "echo ${{ matrix.pkg }}" }',
      ),
    });
    await writeFile(join(ws, 'pkgs.json'), '["a","b"]');
    const first = await runWorkflow(ws, ['workflow', 'run', 'anew']);
    expect(first.exitCode, first.stdout).toBe(0);
    await writeFile(join(ws, 'pkgs.json'), '["a","c"]');
    const again = await runMia(['workflow', 'resume', first.runId, '--from', 'list'], { cwd: ws });
    expect(again.exitCode, again.stderr).toBe(0);
    const status = await runMia(['workflow', 'status', first.runId, '--json'], { cwd: ws });
    const steps = JSON.parse(status.stdout).steps as { id: string; status: string }[];
    expect(steps.map((step) => [step.id, step.status])).toEqual([
      ['list', 'completed'],
      ['pkg', 'completed'],
      ['pkg(a)', 'completed'],
      ['pkg(c)', 'completed'],
    ]);
  });

  it('fails a step whose matrix from an upstream output is not one, with a tension that says why', async () => {
    const ws = await createWorkspace({
      bad: workflow(
        'bad',
        'steps:',
        '  - id: list',
        '    action: shell',
        `    with: { run: "echo 'pkgs=[]' >> \\"$MIA_OUTPUT\\"" }`,
        '  - id: test',
        '    action: shell',
        '    depends_on: [list]',
        '    strategy: { matrix: { pkg: "${{ fromJSON(steps.list.outputs.pkgs) }}" } }',
        '    with: { run: "echo ${{ matrix.pkg }}" }',
      ),
    });
    const run = await runWorkflow(ws, ['workflow', 'run', 'bad']);
    expect(run.exitCode).toBe(1);
    const failed = eventsFor(run.events, 'workflow.step.failed', 'test')[0]?.payload;
    expect((failed?.error as { message: string } | undefined)?.message).toMatch(
      /matrix of step "test" evaluated to \{"pkg":\[\]\}.*"pkg" is an empty list/,
    );
    expect(eventsFor(run.events, 'workflow.tension', 'test')).toHaveLength(1);
  });

  it('passes by a matrix step whose condition is false before its matrix expands, and a leg whose own condition is', async () => {
    const ws = await createWorkspace({
      cond: workflow(
        'cond',
        'steps:',
        '  - id: list',
        '    action: shell',
        `    with: { run: "echo 'pkgs=[]' >> \\"$MIA_OUTPUT\\"" }`,
        '  - id: none',
        '    action: shell',
        '    depends_on: [list]',
        '    when: "${{ steps.list.outputs.pkgs != \'[]\' }}"',
        '    strategy: { matrix: { pkg: "${{ fromJSON(steps.list.outputs.pkgs) }}" } }',
        '    with: { run: "echo ${{ matrix.pkg }}" }',
        '  - id: some',
        '    action: shell',
        '    when: "${{ matrix.n != 2 }}"',
        '    strategy: { matrix: { n: [1, 2, 3] } }',
        '    with: { run: "echo ${{ matrix.n }}" }',
      ),
    });
    const run = await runWorkflow(ws, ['workflow', 'run', 'cond']);
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(eventsFor(run.events, 'workflow.step.skipped', 'none')[0]?.payload.cause).toBe(
      'condition',
    );
    expect(startedIds(run.events)).toEqual(['list', 'some(1)', 'some(3)']);
    expect(eventsFor(run.events, 'workflow.step.skipped', 'some(2)')[0]?.payload.reason).toBe(
      'its condition is false for some(2)',
    );
    expect(eventsFor(run.events, 'workflow.step.completed', 'some')[0]?.payload.beat).toBe(
      'some is done: 2 of its 3 legs completed',
    );
  });

  it('refuses bad matrices before anything runs, each at its place in the file', async () => {
    const ws = await createWorkspace({
      bad: workflow(
        'bad',
        'steps:',
        '  - id: empty',
        '    action: shell',
        '    strategy: { matrix: { node: [] } }',
        '    with: { run: echo }',
        '  - id: scalar',
        '    action: shell',
        '    strategy:',
        '      matrix:',
        '        node: 20',
        '    with: { run: echo }',
        '  - id: huge',
        '    action: shell',
        `    strategy: { matrix: { a: [${Array.from({ length: 17 }, (_, i) => i).join(', ')}], b: [${Array.from({ length: 16 }, (_, i) => i).join(', ')}] } }`,
        '    with: { run: echo }',
        '  - id: stray',
        '    action: shell',
        '    with: { run: "echo ${{ matrix.node }}" }',
      ),
    });
    const result = await runMia(['workflow', 'run', 'bad'], { cwd: ws });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(
      /bad\.yaml:6:\d+: "strategy\.matrix" of step "empty": "node" is an empty list/,
    );
    expect(result.stderr).toMatch(
      /bad\.yaml:12:\d+: "strategy\.matrix" of step "scalar": "node" must be a list/,
    );
    expect(result.stderr).toMatch(/bad\.yaml:16:\d+: .*more than 256 legs/);
    expect(result.stderr).toMatch(
      /bad\.yaml:20:\d+: .*matrix\.node is read, but step "stray" has no matrix/,
    );
    expect(await readdir(join(ws, '.mia'))).not.toContain('runs');
  });
});
