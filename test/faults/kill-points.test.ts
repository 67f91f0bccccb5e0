// The kill-point sweep: the engine SIGKILLs itself after its Nth durable write, for every N of a
// representative run (and of a resume), and `resume` must always reach the uninterrupted end state.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DURABLE_EVENT_TYPES, type MiaEvent } from '../../src/events/types.js';
import { buildChartFromEvents } from '../../src/narrative/chart.js';
import { renderStory } from '../../src/narrative/story.js';
import { foldRunState } from '../../src/view/fold.js';
import { runMia, startCrashingMia } from '../helpers/cli.js';
import { parseRunId } from '../helpers/run-files.js';
import { countByStep, createFaultWorkspace, readEventLog, readLines, stepOf } from './helpers.js';

/** A shell step's last act: a marker line naming the step and this execution's token. */
const mark = (id: string) =>
  `t=$$-$(date +%s%N); echo "token=$t" >> "$MIA_OUTPUT"; echo "${id} $t" >> markers.txt`;

// Two parallel branches, a retry that fails once (a marker file), a failure let through by
// continue_on_error, and a gate answered by --yes.
const SWEEP = `name: sweep
narrative: "Every crash point heals"
steps:
  - { id: prep, action: shell, with: { run: '${mark('prep')}' } }
  - { id: left, action: shell, depends_on: [prep], with: { run: '${mark('left')}' } }
  - id: flaky
    action: shell
    depends_on: [left]
    retry: { attempts: 3, delay: 10ms }
    with: { run: 'if [ ! -f flaky.once ]; then touch flaky.once; exit 1; fi; ${mark('flaky')}' }
  - { id: right, action: shell, depends_on: [prep], with: { run: '${mark('right')}' } }
  - id: shaky
    action: shell
    depends_on: [right]
    continue_on_error: true
    with: { run: 'echo shaky >&2; exit 3' }
  - { id: gate, action: approve, depends_on: [shaky], with: { prompt: "Ship it?" } }
  - { id: finish, action: shell, depends_on: [flaky, gate], with: { run: '${mark('finish')}' } }
`;

const SHELL_STEPS_WITH_MARKERS = ['prep', 'left', 'flaky', 'right', 'finish'];

interface Baseline {
  durableWrites: number;
  statuses: Record<string, string>;
}

const isDurable = (event: MiaEvent) => DURABLE_EVENT_TYPES.has(event.type);

function statusesOf(events: readonly MiaEvent[]): Record<string, string> {
  const state = foldRunState(events);
  return Object.fromEntries([...state.stepStates].map(([id, step]) => [id, step.status]));
}

/** Runs `mia <args>` through the crash entry at `n`; it must die by SIGKILL. */
async function crashAt(ws: string, args: string[], n: number): Promise<void> {
  const result = await startCrashingMia(args, n, { cwd: ws });
  expect(result.signal, `${args.join(' ')} crashing at ${n}:\n${result.stderr}`).toBe('SIGKILL');
}

/**
 * Resumes through the crash entry at `m`: resolves true when the resume died there. A resume may
 * have less to do than the sweep counted (a step the crashed run finished but had not fsynced
 * yet is in the log all the same); then it must have ended well before its `m`th durable write.
 */
async function crashResumeAt(ws: string, m: number): Promise<boolean> {
  const runId = await onlyRunId(ws);
  const before = (await readEventLog(ws, runId)).length;
  const args = ['workflow', 'resume', '--last', '--yes'];
  const result = await startCrashingMia(args, m, { cwd: ws });
  if (result.signal === 'SIGKILL') return true;
  expect(result.exitCode, `resume crashing at ${m}:\n${result.stderr}`).toBe(0);
  const written = (await readEventLog(ws, runId)).slice(before).filter(isDurable).length;
  expect(written).toBeLessThan(m);
  return false;
}

/** The run id of the workspace's only run (the crashed process may have printed nothing). */
async function onlyRunId(ws: string): Promise<string> {
  const { readdir } = await import('node:fs/promises');
  const ids = await readdir(join(ws, '.mia/runs'));
  expect(ids).toHaveLength(1);
  return ids[0]!;
}

/** Resumes (without crashing) until the run completes; returns how many resumes it took. */
async function resumeToEnd(ws: string): Promise<number> {
  for (let attempt = 1; attempt <= 3; attempt++) {
    const result = await runMia(['workflow', 'resume', '--last', '--yes'], { cwd: ws });
    if (result.exitCode === 0) return attempt;
    expect(result.exitCode, `resume ${attempt}:\n${result.stdout}\n${result.stderr}`).toBe(1);
  }
  throw new Error('the run did not complete after 3 resumes');
}

/** Asserts the healed run is the uninterrupted one: same end, once each, consistent story and chart. */
async function expectHealed(ws: string, runId: string, baseline: Baseline, what: string) {
  const events = await readEventLog(ws, runId);
  expect(
    events.map((e) => e.seq),
    what,
  ).toEqual(events.map((_, i) => i + 1));
  expect(statusesOf(events), what).toEqual(baseline.statuses);
  expect(
    events.filter((e) => e.type === 'workflow.completed'),
    what,
  ).toHaveLength(1);
  expect(events.at(-1)?.type, what).toBe('workflow.completed');

  // Each completion is recorded exactly once, and nothing of a step starts after it.
  const completions = countByStep(events, 'workflow.step.completed');
  for (const [id, status] of Object.entries(baseline.statuses)) {
    expect(completions.get(id) ?? 0, `${what}: completions of ${id}`).toBe(
      status === 'completed' ? 1 : 0,
    );
    const done = events.findIndex((e) => e.type === 'workflow.step.completed' && stepOf(e) === id);
    if (done >= 0) {
      const later = events
        .slice(done + 1)
        .filter((e) => stepOf(e) === id && e.type !== 'workflow.step.log');
      expect(
        later.map((e) => e.type),
        `${what}: ${id} after its completion`,
      ).toEqual([]);
    }
  }

  // Markers: the recorded completion really ran; any other finished execution of a step was
  // in flight when the engine died (never one that started after the completion was recorded).
  const markers = await readLines(join(ws, 'markers.txt'));
  for (const id of SHELL_STEPS_WITH_MARKERS) {
    const tokens = markers
      .filter((line) => line.startsWith(`${id} `))
      .map((l) => l.slice(id.length + 1));
    const completed = events.find((e) => e.type === 'workflow.step.completed' && stepOf(e) === id);
    const payload = completed?.payload as { outputs?: { token?: string } } | undefined;
    const token = payload?.outputs?.token;
    expect(tokens, `${what}: markers of ${id}`).toContain(token);
    const started = events.filter((e) => e.type === 'workflow.step.started' && stepOf(e) === id);
    expect(tokens.length, `${what}: executions of ${id}`).toBeLessThanOrEqual(started.length);
  }

  // story.md and the STC chart tell exactly these events.
  const story = await readFile(join(ws, '.mia/runs', runId, 'story.md'), 'utf8');
  expect(story, `${what}: story.md`).toBe(renderStory(events, ws));
  const chart = JSON.parse(await readFile(join(ws, '.mia/stc', `${runId}.json`), 'utf8'));
  expect(chart, `${what}: chart`).toEqual(buildChartFromEvents(events));
  expect(chart.status).toBe('resolved');
  expect(
    chart.actions
      .filter((a: { completed: boolean }) => !a.completed)
      .map((a: { id: string }) => a.id),
  ).toEqual(['shaky']);
  return events;
}

describe('the kill-point sweep', () => {
  let baseline: Baseline;
  /** For each first crash point: how many durable writes the healing resume made. */
  const resumeWrites = new Map<number, number>();

  beforeAll(async () => {
    const ws = await createFaultWorkspace({ sweep: SWEEP });
    const result = await runMia(['workflow', 'run', 'sweep', '--yes'], { cwd: ws });
    expect(result.exitCode, result.stderr).toBe(0);
    const events = await readEventLog(ws, parseRunId(result.stdout));
    baseline = { durableWrites: events.filter(isDurable).length, statuses: statusesOf(events) };
    expect(baseline.statuses).toEqual({
      prep: 'completed',
      left: 'completed',
      flaky: 'completed',
      right: 'completed',
      shaky: 'failed',
      gate: 'completed',
      finish: 'completed',
    });
  });

  it('heals a run killed after any one of its durable writes', async () => {
    expect(baseline.durableWrites).toBeGreaterThanOrEqual(9);
    for (let n = 1; n <= baseline.durableWrites; n++) {
      const ws = await createFaultWorkspace({ sweep: SWEEP });
      await crashAt(ws, ['workflow', 'run', 'sweep', '--yes'], n);
      const runId = await onlyRunId(ws);
      const before = (await readEventLog(ws, runId)).length;
      await resumeToEnd(ws);
      const events = await expectHealed(ws, runId, baseline, `crash at write ${n}`);
      resumeWrites.set(n, events.slice(before).filter(isDurable).length);
    }
  });

  it('heals a resume killed after any one of its own durable writes', async () => {
    // The crash point whose resume has the most to do, swept over every write of that resume.
    const [first, writes] = [...resumeWrites].sort((a, b) => b[1] - a[1])[0] ?? [2, 0];
    expect(writes).toBeGreaterThanOrEqual(5);
    let crashes = 0;
    for (let m = 1; m <= writes; m++) {
      const ws = await createFaultWorkspace({ sweep: SWEEP });
      await crashAt(ws, ['workflow', 'run', 'sweep', '--yes'], first);
      if (await crashResumeAt(ws, m)) crashes += 1;
      const runId = await onlyRunId(ws);
      await resumeToEnd(ws);
      await expectHealed(ws, runId, baseline, `crash at write ${first}, then at resume write ${m}`);
    }
    expect(crashes).toBeGreaterThanOrEqual(writes - 2);
  });
});
