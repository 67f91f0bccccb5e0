// The runs every surface must show alike: event logs built by hand (and one format 1 log as the
// format 1 CLI left it), written into a workspace, each with what a person must see of it.

import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ShownRunStatus, StepStatus } from '../../src/events/statuses.js';
import type { EventPayloads, MiaEvent } from '../../src/events/types.js';
import { acquireRunLock, type RunLock } from '../../src/store/lock.js';
import { getRunDir } from '../../src/store/paths.js';
import { FORMAT1_DIR } from './format1-fixtures.js';
import { describeSteps, RunEvents } from './run-events.js';

/** What every surface must show of a run. */
export interface ShownRun {
  status: ShownRunStatus;
  /** `completed/total`. */
  progress: string;
  steps: Record<string, StepStatus>;
  /** Steps that started more than once, with how often (over every session). */
  attempts: Record<string, number>;
  reality: string;
  /** Steps with an open tension, in the order told. */
  openTensions: string[];
  /** The commands that answer the gates that wait. */
  gateCommands: string[];
  /** How the run took, as people read it (empty while it has not ended). */
  duration: string;
  /** What the step that ran it as a chapter would learn. */
  chapter: { status: 'completed' | 'failed' | 'interrupted'; failedSteps: string[] };
}

export interface RunCase {
  name: string;
  runId: string;
  /** Held by this process while the surfaces read the run: the run is live, not crashed. */
  isLive: boolean;
  /** The events as written (absent for a committed format 1 log). */
  events?: MiaEvent[];
  /** A format 1 workspace of test/fixtures/format1 whose run this case is. */
  format1?: string;
  shown: ShownRun;
}

const started = (stepId: string, attempt = 1) =>
  ({ stepId, universe: 'engineer', action: 'shell', attempt }) as const;

function makeRun(name: (typeof CASE_ORDER)[number], steps: string[]): RunEvents {
  return new RunEvents(
    `20261123-1000${String(CASE_ORDER.indexOf(name)).padStart(2, '0')}-${name}`,
  ).start(steps);
}

const CASE_ORDER = [
  'completed',
  'failed',
  'allowed-failure',
  'crashed',
  'interrupted',
  'resumed',
  'skipped-by-condition',
  'waiting-gate',
  'chapter-gate',
  'retried',
  'matrix',
] as const;

function buildCases(): RunCase[] {
  const completed = makeRun('completed', ['a:', 'b: a', 'c: b'])
    .reach('a', 'completed')
    .reach('b', 'completed')
    .reach('c', 'completed')
    .add('workflow.completed', { durationMs: 12_340 });
  const failed = makeRun('failed', ['a:', 'b: a', 'c: b'])
    .reach('a', 'completed')
    .reach('b', 'failed')
    .reach('c', 'skipped-upstream')
    .add('workflow.failed', { durationMs: 850, failedSteps: ['b'] });
  const allowed = makeRun('allowed-failure', ['lint:', 'build:'])
    .add('workflow.step.started', started('lint'))
    .add('workflow.step.failed', {
      stepId: 'lint',
      durationMs: 7,
      error: { message: '3 warnings', hint: 'Run the linter with --fix.' },
      attempt: 1,
      interrupted: false,
      continueOnError: true,
    })
    .add('workflow.tension', {
      stepId: 'lint',
      universe: 'engineer',
      text: 'The style drifts',
      error: { message: '3 warnings', hint: 'Run the linter with --fix.' },
      logPath: '/w/lint.log',
    })
    .reach('build', 'completed')
    .add('workflow.completed', { durationMs: 4_200 });
  const crashed = makeRun('crashed', ['a:', 'b: a']).reach('a', 'completed').reach('b', 'running');
  const interrupted = makeRun('interrupted', ['a:', 'b: a'])
    .reach('a', 'interrupted')
    .add('workflow.interrupted', { durationMs: 65_000, signal: 'SIGINT' });
  const resumed = makeRun('resumed', ['a:', 'b: a'])
    .reach('a', 'completed')
    .reach('b', 'failed')
    .add('workflow.failed', { durationMs: 2_000, failedSteps: ['b'] })
    .add('workflow.resumed', {
      rerun: ['b'],
      kept: ['a'],
      definitionChanged: false,
      steps: describeSteps(['a:', 'b: a']),
      from: null,
      pid: 4343,
    })
    .reach('b', 'completed')
    .add('workflow.completed', { durationMs: 1_500 });
  const skipped = makeRun('skipped-by-condition', ['a:', 'b: a'])
    .reach('a', 'skipped-condition')
    .reach('b', 'completed')
    .add('workflow.completed', { durationMs: 300 });
  const gate = makeRun('waiting-gate', ['a:', 'ship: a'])
    .reach('a', 'completed')
    .reach('ship', 'waiting');
  const chapter = makeRun('chapter-gate', ['build:', 'release: build'])
    .reach('build', 'completed')
    .add('workflow.step.started', { ...started('release'), universe: 'story', action: 'workflow' })
    .add('workflow.step.waiting', { stepId: 'release', prompt: 'Go?', gate: 'release/ship' });
  // The chapter the release step runs: its gate is answered through the run the user started.
  const inner = new RunEvents(`${chapter.runId}-release`)
    .add('workflow.started', {
      ...(chapter.events[0]?.payload as EventPayloads['workflow.started']),
      workflow: 'ship-it',
      steps: describeSteps(['ship:']),
      parent: { runId: chapter.runId, stepId: 'release' },
    })
    .reach('ship', 'waiting');
  const retried = makeRun('retried', ['flaky:'])
    .add('workflow.step.started', started('flaky'))
    .add('workflow.step.retrying', {
      stepId: 'flaky',
      attempt: 2,
      delayMs: 10,
      error: { message: 'flaked' },
    })
    .add('workflow.step.started', started('flaky', 2))
    .add('workflow.step.completed', { stepId: 'flaky', durationMs: 5, outputs: {}, attempt: 2 })
    .add('workflow.completed', { durationMs: 40 });
  // A matrix step `t` whose leg t(2) failed: the step fails naming it, `u` after it is passed by.
  const matrixRun = new RunEvents(
    `20261123-1000${String(CASE_ORDER.indexOf('matrix')).padStart(2, '0')}-matrix`,
  );
  const [tStep, uStep] = describeSteps(['t:', 'u: t']);
  matrixRun
    .add('workflow.started', {
      ...(completed.events[0]?.payload as EventPayloads['workflow.started']),
      steps: [{ ...tStep!, legs: ['t(1)', 't(2)'] }, uStep!],
    })
    .reach('t(1)', 'completed')
    .reach('t(2)', 'failed')
    .add('workflow.step.failed', {
      stepId: 't',
      durationMs: 9,
      error: { message: 'Leg "t(2)" of step "t" failed: t(2) broke' },
      outputs: {},
      attempt: 1,
      interrupted: false,
      continueOnError: false,
      legs: ['t(1)', 't(2)'],
    })
    .add('workflow.tension', {
      stepId: 't',
      universe: 'engineer',
      text: 't failed (leg t(2))',
      error: { message: 'Leg "t(2)" of step "t" failed: t(2) broke' },
      logPath: '/w/t(2).log',
    })
    .reach('u', 'skipped-upstream')
    .add('workflow.failed', { durationMs: 900, failedSteps: ['t(2)', 't'] });
  const none: ShownRun['chapter'] = { status: 'completed', failedSteps: [] };
  const interruptedChapter: ShownRun['chapter'] = { status: 'interrupted', failedSteps: [] };
  const cases: RunCase[] = [
    {
      name: 'completed',
      runId: completed.runId,
      isLive: false,
      events: completed.events,
      shown: {
        status: 'completed',
        progress: '3/3',
        steps: { a: 'completed', b: 'completed', c: 'completed' },
        attempts: {},
        reality: 'The desired outcome is reached: all 3 steps are complete.',
        openTensions: [],
        gateCommands: [],
        duration: '12s',
        chapter: none,
      },
    },
    {
      name: 'failed',
      runId: failed.runId,
      isLive: false,
      events: failed.events,
      shown: {
        status: 'failed',
        progress: '1/3',
        steps: { a: 'completed', b: 'failed', c: 'skipped' },
        attempts: {},
        reality: '1 of 3 steps complete; tension at b (b broke).',
        openTensions: ['b'],
        gateCommands: [],
        duration: '850ms',
        chapter: { status: 'failed', failedSteps: ['b'] },
      },
    },
    {
      name: 'allowed-failure',
      runId: allowed.runId,
      isLive: false,
      events: allowed.events,
      shown: {
        status: 'completed',
        progress: '1/2',
        steps: { lint: 'failed', build: 'completed' },
        attempts: {},
        reality: 'The desired outcome is reached: 1 of 2 steps are complete.',
        openTensions: ['lint'],
        gateCommands: [],
        duration: '4.2s',
        chapter: none,
      },
    },
    {
      name: 'crashed',
      runId: crashed.runId,
      isLive: false,
      events: crashed.events,
      shown: {
        status: 'crashed',
        progress: '1/2',
        steps: { a: 'completed', b: 'interrupted' },
        attempts: {},
        reality: '1 of 2 steps complete; interrupted.',
        openTensions: [],
        gateCommands: [],
        duration: '',
        chapter: interruptedChapter,
      },
    },
    {
      name: 'interrupted',
      runId: interrupted.runId,
      isLive: false,
      events: interrupted.events,
      shown: {
        status: 'interrupted',
        progress: '0/2',
        steps: { a: 'interrupted', b: 'pending' },
        attempts: {},
        reality: '0 of 2 steps complete; interrupted.',
        openTensions: [],
        gateCommands: [],
        duration: '1m 5s',
        chapter: interruptedChapter,
      },
    },
    {
      name: 'resumed',
      runId: resumed.runId,
      isLive: false,
      events: resumed.events,
      shown: {
        status: 'completed',
        progress: '2/2',
        steps: { a: 'completed', b: 'completed' },
        attempts: { b: 2 },
        reality: 'The desired outcome is reached: all 2 steps are complete.',
        openTensions: [],
        gateCommands: [],
        duration: '3.5s',
        chapter: none,
      },
    },
    {
      name: 'skipped-by-condition',
      runId: skipped.runId,
      isLive: false,
      events: skipped.events,
      shown: {
        status: 'completed',
        progress: '1/2',
        steps: { a: 'skipped', b: 'completed' },
        attempts: {},
        reality: 'The desired outcome is reached: 1 of 2 steps are complete.',
        openTensions: [],
        gateCommands: [],
        duration: '300ms',
        chapter: none,
      },
    },
    {
      name: 'waiting-gate',
      runId: gate.runId,
      isLive: true,
      events: gate.events,
      shown: {
        status: 'running',
        progress: '1/2',
        steps: { a: 'completed', ship: 'waiting' },
        attempts: {},
        reality: '1 of 2 steps complete; in motion: ship (waiting).',
        openTensions: [],
        gateCommands: [`mia workflow approve ${gate.runId} ship`],
        duration: '',
        chapter: interruptedChapter,
      },
    },
    {
      name: 'chapter-gate',
      runId: chapter.runId,
      isLive: true,
      events: chapter.events,
      shown: {
        status: 'running',
        progress: '1/2',
        steps: { build: 'completed', release: 'waiting' },
        attempts: {},
        reality: '1 of 2 steps complete; in motion: release (waiting).',
        openTensions: [],
        gateCommands: [`mia workflow approve ${chapter.runId} release/ship`],
        duration: '',
        chapter: interruptedChapter,
      },
    },
    {
      name: 'chapter-run',
      runId: inner.runId,
      isLive: true,
      events: inner.events,
      shown: {
        status: 'running',
        progress: '0/1',
        steps: { ship: 'waiting' },
        attempts: {},
        reality: '0 of 1 steps complete; in motion: ship (waiting).',
        openTensions: [],
        gateCommands: [`mia workflow approve ${chapter.runId} release/ship`],
        duration: '',
        chapter: interruptedChapter,
      },
    },
    {
      name: 'retried',
      runId: retried.runId,
      isLive: false,
      events: retried.events,
      shown: {
        status: 'completed',
        progress: '1/1',
        steps: { flaky: 'completed' },
        attempts: { flaky: 2 },
        reality: 'The desired outcome is reached: all 1 steps are complete.',
        openTensions: [],
        gateCommands: [],
        duration: '40ms',
        chapter: none,
      },
    },
    {
      name: 'matrix',
      runId: matrixRun.runId,
      isLive: false,
      events: matrixRun.events,
      shown: {
        status: 'failed',
        progress: '0/2',
        steps: { t: 'failed', 't(1)': 'completed', 't(2)': 'failed', u: 'skipped' },
        attempts: {},
        reality:
          '0 of 2 steps complete; tension at t (Leg "t(2)" of step "t" failed: t(2) broke), t(2) (t(2) broke).',
        openTensions: ['t(2)', 't'],
        gateCommands: [],
        duration: '900ms',
        chapter: { status: 'failed', failedSteps: ['t', 't(2)'] },
      },
    },
    {
      name: 'format-1',
      runId: '20261203-031453-34a71f',
      isLive: false,
      format1: 'failed',
      shown: {
        status: 'failed',
        progress: '1/3',
        steps: { compile: 'failed', docs: 'completed', publish: 'skipped' },
        attempts: {},
        reality:
          '1 of 3 steps complete; tension at compile (The command exited with 2: src/app.ts:3:7 error: missing semicolon).',
        openTensions: ['compile'],
        gateCommands: [],
        duration: '14ms',
        chapter: { status: 'failed', failedSteps: ['compile'] },
      },
    },
  ];
  return cases;
}

/** Every case, in a fixed order. */
export const RUN_CASES: readonly RunCase[] = buildCases();

/**
 * Writes every case's run into `workspace` (`.mia/runs/<id>/`), and takes the lock of the live
 * ones for this process; returns the function that lets them go.
 */
export async function writeRunCases(workspace: string): Promise<() => Promise<void>> {
  const locks: RunLock[] = [];
  for (const run of RUN_CASES) {
    if (run.format1) {
      const from = join(FORMAT1_DIR, run.format1, '.mia/runs', run.runId);
      await cp(from, getRunDir(workspace, run.runId), { recursive: true });
      continue;
    }
    const dir = getRunDir(workspace, run.runId);
    await mkdir(join(dir, 'logs'), { recursive: true });
    const lines = (run.events ?? []).map((event) => `${JSON.stringify(event)}\n`);
    await writeFile(join(dir, 'events.jsonl'), lines.join(''));
    if (run.isLive) locks.push(await acquireRunLock(dir, run.runId));
  }
  return async () => {
    for (const lock of locks) await lock.release();
  };
}
