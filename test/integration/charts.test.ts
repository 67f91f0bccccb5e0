import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import type { StcAction } from '../../src/narrative/chart.js';
import { createWorkspace, PACKAGE_ROOT, runMia } from '../helpers/cli.js';
import { startLiveRun } from '../helpers/live-run.js';
import { parseRunId, readRunEvents, type StoredEvent } from '../helpers/run-files.js';

const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;
const POLL = { timeout: 20_000, interval: 50 };

async function compile(name: string) {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  const schema = JSON.parse(await readFile(join(PACKAGE_ROOT, 'schemas', name), 'utf8'));
  return ajv.compile(schema);
}
const validators = Promise.all([
  compile('stc-chart.schema.json'),
  compile('stc-extension-chart.schema.json'),
]);

interface Charts {
  stc: { status: string; actions: StcAction[]; observations: Array<{ text: string }> } & Record<
    string,
    unknown
  >;
  extension: {
    id: string;
    runId: string;
    actionSteps: Array<{ id: string; description: string; completed: boolean }>;
  } & Record<string, unknown>;
}

/** Both charts of a run, each checked against its schema. */
async function readCharts(workspace: string, runId: string, workflow: string): Promise<Charts> {
  const [stcValid, extensionValid] = await validators;
  const stc = JSON.parse(await readFile(join(workspace, '.mia/stc', `${runId}.json`), 'utf8'));
  const extension = JSON.parse(
    await readFile(join(workspace, '.stc/charts', `mia-workflow-${workflow}.json`), 'utf8'),
  );
  expect(stcValid(stc), JSON.stringify(stcValid.errors)).toBe(true);
  expect(extensionValid(extension), JSON.stringify(extensionValid.errors)).toBe(true);
  return { stc, extension };
}

/** Which steps the events say are completed now: a step's last word is its completion. */
function completedByEvents(events: StoredEvent[]): Set<string> {
  const last = new Map<string, string>();
  for (const event of events) {
    if (event.type === 'workflow.resumed') {
      for (const id of event.payload.rerun as string[]) last.set(id, 'rerun');
    }
    const stepId = event.payload.stepId;
    if (typeof stepId === 'string' && event.type.startsWith('workflow.step.')) {
      if (event.type !== 'workflow.step.log') last.set(stepId, event.type);
    }
  }
  return new Set(
    [...last].filter(([, type]) => type === 'workflow.step.completed').map(([id]) => id),
  );
}

/** Waits until the charts show `isReady`, then checks that both tell the same truth as the events. */
async function expectChartsTrue(
  workspace: string,
  runId: string,
  workflow: string,
  isReady: (charts: Charts) => boolean,
): Promise<Charts> {
  let charts: Charts | undefined;
  // The two files are written one after the other: wait until both have caught up.
  const isCaughtUp = ({ stc, extension }: Charts) =>
    stc.actions.every(
      (a) => extension.actionSteps.find((s) => s.id === a.id)?.completed === a.completed,
    );
  await expect
    .poll(async () => {
      charts = await readCharts(workspace, runId, workflow).catch(() => undefined);
      return charts !== undefined && isReady(charts) && isCaughtUp(charts);
    }, POLL)
    .toBe(true);
  const done = completedByEvents(await readRunEvents(workspace, runId));
  const { stc, extension } = charts!;
  expect(
    stc.actions
      .filter((a) => a.completed)
      .map((a) => a.id)
      .sort(),
  ).toEqual([...done].sort());
  for (const action of stc.actions) expect('completedAt' in action).toBe(action.completed);
  expect(extension).toMatchObject({ id: `mia-workflow-${workflow}`, runId });
  expect(extension.actionSteps).toEqual(
    stc.actions.map((a) => ({
      id: a.id,
      description: a.title,
      completed: a.completed,
      order: a.order,
    })),
  );
  expect(extension.desiredOutcome).toBe(stc.outcome);
  expect(extension.currentReality).toBe(stc.reality);
  expect(stc.metadata).toEqual({ workspace, session: runId });
  return charts!;
}

const stepOf = (charts: Charts, id: string) => charts.stc.actions.find((a) => a.id === id)!;

const SHIP = `name: ship
narrative: "The release ships"
steps:
  - { id: open, action: approve, beat: "The release is opened" }
  - { id: build, action: shell, depends_on: [open], beat: "The build stands", with: { run: "echo built" } }
  - { id: review, action: approve, depends_on: [build], beat: "The release is approved" }
  - id: check
    action: shell
    depends_on: [review]
    beat: "The release is checked"
    tension: "The release notes are missing"
    with: { run: "test -f notes.md" }
  - { id: finish, action: approve, depends_on: [check], beat: "The release is out" }
`;

describe('charts where the mia tools read them', () => {
  it('keeps both charts valid and true as a run starts, moves, fails, resumes and completes', async () => {
    const workspace = await createWorkspace({ ship: SHIP });
    const run = startLiveRun(['workflow', 'run', 'ship'], { cwd: workspace });
    await run.waitForEvents((e) => e.type === 'workflow.step.waiting');
    const runId = run.runId()!;

    const started = await expectChartsTrue(workspace, runId, 'ship', (c) =>
      stepOf(c, 'open').reality.startsWith('Waiting'),
    );
    expect(started.stc.status).toBe('active');
    expect(started.stc.actions.every((a) => !a.completed)).toBe(true);

    expect(
      (await runMia(['workflow', 'approve', runId, 'open'], { cwd: workspace })).exitCode,
    ).toBe(0);
    const midRun = await expectChartsTrue(workspace, runId, 'ship', (c) =>
      stepOf(c, 'review').reality.startsWith('Waiting'),
    );
    expect(stepOf(midRun, 'build')).toMatchObject({ completed: true, title: 'The build stands' });

    expect(
      (await runMia(['workflow', 'approve', runId, 'review'], { cwd: workspace })).exitCode,
    ).toBe(0);
    expect((await run.child).exitCode).toBe(1);
    const failed = await expectChartsTrue(workspace, runId, 'ship', (c) =>
      stepOf(c, 'check').reality.startsWith('Failed'),
    );
    expect(failed.stc.status).toBe('active');
    expect(failed.stc.observations.map((o) => o.text)).toContainEqual(
      expect.stringContaining('Tension at check: The release notes are missing'),
    );

    await writeFile(join(workspace, 'notes.md'), '# Notes\n');
    const resume = startLiveRun(['workflow', 'resume', runId], { cwd: workspace });
    await resume.waitForEvents(
      (e) => e.type === 'workflow.step.waiting' && e.payload.stepId === 'finish',
    );
    const resumed = await expectChartsTrue(workspace, runId, 'ship', (c) =>
      stepOf(c, 'finish').reality.startsWith('Waiting'),
    );
    expect(stepOf(resumed, 'check').completed).toBe(true);
    expect(resumed.stc.observations.map((o) => o.text)).toContain(
      'Resumed: check, finish run again.',
    );

    expect(
      (await runMia(['workflow', 'approve', runId, 'finish'], { cwd: workspace })).exitCode,
    ).toBe(0);
    expect((await resume.child).exitCode).toBe(0);
    const completed = await expectChartsTrue(
      workspace,
      runId,
      'ship',
      (c) => c.stc.status === 'resolved',
    );
    expect(completed.stc.actions.every((a) => a.completed)).toBe(true);
  });

  it('keeps one chart file per workflow: a second run replaces the first, another workflow has its own', async () => {
    const one =
      'name: one\nnarrative: "One is done"\nsteps:\n  - { id: a, action: shell, with: { run: "true" } }\n';
    const two =
      'name: two\nnarrative: "Two is done"\nsteps:\n  - { id: b, action: shell, with: { run: "true" } }\n';
    const workspace = await createWorkspace({ one, two });
    const first = parseRunId((await runMia(['workflow', 'run', 'one'], { cwd: workspace })).stdout);
    expect((await readCharts(workspace, first, 'one')).extension.runId).toBe(first);
    const second = parseRunId(
      (await runMia(['workflow', 'run', 'one'], { cwd: workspace })).stdout,
    );
    const other = parseRunId((await runMia(['workflow', 'run', 'two'], { cwd: workspace })).stdout);

    expect((await readdir(join(workspace, '.stc/charts'))).sort()).toEqual([
      'mia-workflow-one.json',
      'mia-workflow-two.json',
    ]);
    expect((await readCharts(workspace, second, 'one')).extension.runId).toBe(second);
    expect((await readCharts(workspace, other, 'two')).extension).toMatchObject({
      id: 'mia-workflow-two',
      title: 'two',
      desiredOutcome: 'Two is done',
    });
    expect((await readdir(join(workspace, '.mia/stc'))).sort()).toEqual(
      [first, second, other].map((id) => `${id}.json`).sort(),
    );
  });

  it('never lets a resumed older run replace the chart of a run started after it', async () => {
    const flaky =
      'name: flaky\nnarrative: "It works"\nsteps:\n  - { id: a, action: shell, with: { run: "test -f ok" } }\n';
    const workspace = await createWorkspace({ flaky });
    const older = parseRunId(
      (await runMia(['workflow', 'run', 'flaky'], { cwd: workspace })).stdout,
    );
    const newer = parseRunId(
      (await runMia(['workflow', 'run', 'flaky'], { cwd: workspace })).stdout,
    );
    await writeFile(join(workspace, 'ok'), '');
    expect((await runMia(['workflow', 'resume', older], { cwd: workspace })).exitCode).toBe(0);

    const chart = JSON.parse(
      await readFile(join(workspace, '.stc/charts/mia-workflow-flaky.json'), 'utf8'),
    );
    expect(chart.runId).toBe(newer);
    const olderChart = JSON.parse(
      await readFile(join(workspace, '.mia/stc', `${older}.json`), 'utf8'),
    );
    expect(olderChart.status).toBe('resolved');
  });

  it("shows a chapter in its parent's chart, with no file of its own for the extension", async () => {
    const saga = `name: saga
narrative: "The saga ends"
steps:
  - { id: middle, action: workflow, beat: "The middle is told", with: { workflow: episode } }
`;
    const episode =
      'name: episode\nnarrative: "The episode ends"\nsteps:\n  - { id: e, action: shell, with: { run: "true" } }\n';
    const workspace = await createWorkspace({ saga, episode });
    const runId = parseRunId(
      (await runMia(['workflow', 'run', 'saga'], { cwd: workspace })).stdout,
    );

    expect(await readdir(join(workspace, '.stc/charts'))).toEqual(['mia-workflow-saga.json']);
    const parent = await readCharts(workspace, runId, 'saga');
    expect(parent.extension.actionSteps).toEqual([
      { id: 'middle', description: 'The middle is told', completed: true, order: 1 },
    ]);
    const chapter = JSON.parse(
      await readFile(join(workspace, '.mia/stc', `${runId}-middle.json`), 'utf8'),
    );
    expect(chapter).toMatchObject({ status: 'resolved', workflow: 'episode' });
  });

  it('still completes the run, and says so, when the extension’s chart cannot be written', async () => {
    const one =
      'name: one\nnarrative: "One is done"\nsteps:\n  - { id: a, action: shell, with: { run: "true" } }\n';
    const workspace = await createWorkspace({ one });
    await writeFile(join(workspace, '.stc'), 'a file where the charts folder would be\n');
    const result = await runMia(['workflow', 'run', 'one'], { cwd: workspace });
    expect(result.exitCode, result.stderr).toBe(0);
    const runId = parseRunId(result.stdout);
    expect(result.stderr).toContain(
      "warning: The STC Charts extension's chart .stc/charts/mia-workflow-one.json could not be written (ENOTDIR",
    );
    expect(result.stderr).toContain('Make .stc/charts a writable folder');
    await readFile(join(workspace, '.mia/runs', runId, 'story.md'), 'utf8');
    const chart = JSON.parse(await readFile(join(workspace, '.mia/stc', `${runId}.json`), 'utf8'));
    expect(chart.status).toBe('resolved');
  });

  it("says which file could not be written when the run's own chart folder is unusable, and resuming writes it", async () => {
    const one =
      'name: one\nnarrative: "One is done"\nsteps:\n  - { id: a, action: shell, with: { run: "true" } }\n';
    const workspace = await createWorkspace({ one });
    await writeFile(join(workspace, '.mia/stc'), 'a file where the charts folder would be\n');
    const result = await runMia(['workflow', 'run', 'one'], { cwd: workspace });
    const runId = parseRunId(result.stdout);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`error: .mia/stc/${runId}.json could not be written (`);
    expect(result.stderr).toContain(
      "the run's events are complete. Make .mia/stc a writable folder",
    );
    expect(result.stderr).not.toContain('internal error');

    await rm(join(workspace, '.mia/stc'));
    const resumed = await runMia(['workflow', 'resume', runId], { cwd: workspace });
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    const chart = JSON.parse(await readFile(join(workspace, '.mia/stc', `${runId}.json`), 'utf8'));
    expect(chart.status).toBe('resolved');
  });
});
