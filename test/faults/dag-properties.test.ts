// Properties of the scheduler (fast-check, in process with the real engine and an instrumented
// action): random DAGs with random failures, retries, concurrency limits and interruptions.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createBuiltinRegistry } from '../../src/actions/builtin.js';
import type { ActionAdapter } from '../../src/actions/types.js';
import { loadWorkflow } from '../../src/definition/load.js';
import { runChapter } from '../../src/engine/chapters.js';
import { executeRun } from '../../src/engine/lifecycle/execute-run.js';
import { resumeRun } from '../../src/engine/lifecycle/resume-run.js';
import { startRun } from '../../src/engine/lifecycle/start-run.js';
import type { MiaEvent } from '../../src/events/types.js';
import { countByStep, readEventLog, stepOf } from './helpers.js';

interface StepSpec {
  deps: number[];
  /** The first run fails this many attempts of the step (the resume fails none). */
  failFirst: number;
  attempts: number;
  continueOnError: boolean;
  delayMs: number;
}

interface Scenario {
  steps: StepSpec[];
  concurrency: number;
  /** Interrupt the first run after this many published events (a Ctrl-C at a random moment). */
  interruptAfter: number | null;
}

const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  steps: fc.array(
    fc.record({
      deps: fc.uniqueArray(fc.nat(6), { maxLength: 3 }),
      failFirst: fc.nat(3),
      attempts: fc.integer({ min: 1, max: 3 }),
      continueOnError: fc.boolean(),
      delayMs: fc.nat(3),
    }),
    { minLength: 1, maxLength: 7 },
  ),
  concurrency: fc.integer({ min: 1, max: 4 }),
  interruptAfter: fc.option(fc.integer({ min: 1, max: 40 }), { nil: null }),
});

/** Only edges to earlier steps: the graph is a DAG. */
function depsOf(steps: StepSpec[], index: number): string[] {
  return [...new Set(steps[index]!.deps.filter((dep) => dep < index))].map((dep) => `s${dep}`);
}

function toYaml(scenario: Scenario): string {
  const steps = scenario.steps.map((step, i) =>
    [
      `  - id: s${i}`,
      '    action: probe',
      `    depends_on: [${depsOf(scenario.steps, i).join(', ')}]`,
      `    retry: { attempts: ${step.attempts}, delay: 1ms }`,
      `    continue_on_error: ${step.continueOnError}`,
      `    with: { failFirst: ${step.failFirst}, delayMs: ${step.delayMs} }`,
    ].join('\n'),
  );
  return `name: prop\nnarrative: "Any DAG reaches its end"\nsteps:\n${steps.join('\n')}\n`;
}

/** One execution of one attempt, as the action saw it. */
interface Execution {
  step: string;
  attempt: number;
  phase: 'run' | 'resume';
  start: number;
  end: number;
  ok: boolean;
}

/** The instrumented action: a logical clock, the running set, and every execution. */
function createProbe() {
  const state = {
    phase: 'run' as 'run' | 'resume',
    clock: 0,
    running: new Set<string>(),
    peak: 0,
    executions: [] as Execution[],
    overlaps: [] as string[],
  };
  const probe: ActionAdapter = {
    name: 'probe',
    universes: ['engineer'],
    async run(ctx) {
      const step = ctx.stepId;
      if (state.running.has(step)) state.overlaps.push(step);
      state.running.add(step);
      state.peak = Math.max(state.peak, state.running.size);
      const execution: Execution = {
        step,
        attempt: ctx.attempt,
        phase: state.phase,
        start: state.clock++,
        end: -1,
        ok: false,
      };
      state.executions.push(execution);
      try {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(resolve, Number(ctx.with.delayMs));
          ctx.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            reject(ctx.signal.reason);
          });
        });
        const failFirst = state.phase === 'run' ? Number(ctx.with.failFirst) : 0;
        if (ctx.attempt <= failFirst) throw new Error(`${step} fails attempt ${ctx.attempt}`);
        execution.ok = true;
        return { outputs: { step } };
      } finally {
        execution.end = state.clock++;
        state.running.delete(step);
      }
    },
  };
  return { probe, state };
}

/** What the first run must end in, when nothing interrupts it. */
function expectedStatuses(steps: StepSpec[]): Map<string, string> {
  const status = new Map<string, string>();
  steps.forEach((step, i) => {
    const blocked = depsOf(steps, i).some((dep) => {
      const s = status.get(dep);
      const spec = steps[Number(dep.slice(1))]!;
      return s === 'skipped' || (s === 'failed' && !spec.continueOnError);
    });
    if (blocked) status.set(`s${i}`, 'skipped');
    else status.set(`s${i}`, step.failFirst >= step.attempts ? 'failed' : 'completed');
  });
  return status;
}

function finalStatuses(events: MiaEvent[]): Map<string, string> {
  const status = new Map<string, string>();
  for (const event of events) {
    const step = stepOf(event);
    if (step === undefined) continue;
    if (event.type === 'workflow.step.completed') status.set(step, 'completed');
    if (event.type === 'workflow.step.skipped') status.set(step, 'skipped');
    if (event.type === 'workflow.step.failed') status.set(step, 'failed');
  }
  return status;
}

/** Every execution started after each dependency's last execution of the same phase ended well. */
function expectDependenciesRespected(scenario: Scenario, executions: Execution[]): void {
  for (const execution of executions) {
    const index = Number(execution.step.slice(1));
    for (const dep of depsOf(scenario.steps, index)) {
      const before = executions.filter((e) => e.step === dep && e.start < execution.start);
      const last = before.at(-1);
      const keptFromRun = execution.phase === 'resume' && last?.phase === 'run' && last.ok;
      expect(last, `${execution.step} started before ${dep} ran`).toBeDefined();
      expect(last!.end, `${execution.step} started while ${dep} ran`).toBeLessThan(execution.start);
      const spec = scenario.steps[Number(dep.slice(1))]!;
      expect(last!.ok || spec.continueOnError || keptFromRun, `${dep} failed`).toBe(true);
    }
  }
}

async function checkScenario(scenario: Scenario): Promise<void> {
  const ws = await mkdtemp(join(tmpdir(), 'mia-prop-'));
  try {
    await mkdir(join(ws, '.mia/workflows'), { recursive: true });
    await writeFile(join(ws, '.mia/workflows/prop.yaml'), toYaml(scenario));
    const { probe, state } = createProbe();
    const registry = createBuiltinRegistry();
    registry.register(probe);
    const loaded = await loadWorkflow('prop', { workspace: ws, registry });

    // The first run: failures as drawn, perhaps interrupted at a random event.
    const handle = await startRun({
      workspace: ws,
      loaded,
      inputs: {},
      concurrency: scenario.concurrency,
    });
    const controller = new AbortController();
    let published = 0;
    handle.events.subscribe(() => {
      published += 1;
      if (published === scenario.interruptAfter) controller.abort('SIGINT');
    });
    const first = await executeRun(handle, { registry, runChapter, signal: controller.signal });
    const runEvents = await readEventLog(ws, handle.runId);

    expect(state.peak).toBeLessThanOrEqual(scenario.concurrency);
    expect(state.overlaps).toEqual([]);
    expectDependenciesRespected(scenario, state.executions);
    // One execution per attempt, attempts numbered 1, 2, … in order.
    const startedCounts = countByStep(runEvents, 'workflow.step.started');
    for (const [i] of scenario.steps.entries()) {
      const mine = state.executions.filter((e) => e.step === `s${i}`);
      expect(mine.map((e) => e.attempt)).toEqual(mine.map((_, n) => n + 1));
      expect(mine.length).toBe(startedCounts.get(`s${i}`) ?? 0);
      expect(mine.length).toBeLessThanOrEqual(scenario.steps[i]!.attempts);
    }
    if (scenario.interruptAfter === null || controller.signal.aborted === false) {
      expect(finalStatuses(runEvents)).toEqual(expectedStatuses(scenario.steps));
    }
    const doneInRun = new Set(
      runEvents.filter((e) => e.type === 'workflow.step.completed').map(stepOf),
    );
    if (first.status === 'completed' && !scenario.steps.some((s) => s.failFirst >= s.attempts)) {
      return;
    }

    // The resume, with every cause of failure fixed: each step completes exactly once overall.
    state.phase = 'resume';
    const resumed = await resumeRun({
      workspace: ws,
      runId: handle.runId,
      from: undefined,
      concurrency: scenario.concurrency,
      loadDefinition: async () => loaded,
    });
    if ('nothingToDo' in resumed) {
      expect(first.status).toBe('completed');
      return;
    }
    const second = await executeRun(resumed, {
      registry,
      runChapter,
      signal: new AbortController().signal,
    });
    expect(second.status).toBe('completed');
    const events = await readEventLog(ws, handle.runId);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const completions = countByStep(events, 'workflow.step.completed');
    const resumedExecutions = state.executions.filter((e) => e.phase === 'resume');
    for (const [i] of scenario.steps.entries()) {
      const id = `s${i}`;
      expect(completions.get(id), id).toBe(1);
      const again = resumedExecutions.filter((e) => e.step === id).length;
      expect(again, `${id} executions in the resume`).toBe(doneInRun.has(id) ? 0 : 1);
    }
    expect(state.peak).toBeLessThanOrEqual(scenario.concurrency);
    expectDependenciesRespected(scenario, state.executions);
  } finally {
    await rm(ws, { recursive: true, force: true });
  }
}

describe('the scheduler on random DAGs', () => {
  it('respects dependencies and the concurrency limit, runs once per attempt, and resumes to exactly once', async () => {
    await fc.assert(fc.asyncProperty(scenarioArb, checkScenario), { numRuns: 60 });
  });
});
