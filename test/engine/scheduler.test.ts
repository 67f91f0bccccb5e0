// The scheduler in-process: a real event log, registry, narrator, gate keeper and local executor,
// with instrumented fake actions.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { approveAction } from '../../src/actions/ceremony/approve.js';
import { ActionRegistry } from '../../src/actions/registry.js';
import type { ActionAdapter } from '../../src/actions/types.js';
import { loadWorkflow } from '../../src/definition/load.js';
import { LocalStepExecutor } from '../../src/engine/executors/local.js';
import type { StepExecutor } from '../../src/engine/executors/step-executor.js';
import { GateKeeper } from '../../src/engine/gates.js';
import { scheduleSteps } from '../../src/engine/scheduler.js';
import type { ExecuteResult } from '../../src/engine/settled.js';
import { MiaError } from '../../src/errors.js';
import type { EventOf, EventType, MiaEvent } from '../../src/events/types.js';
import { Narrator } from '../../src/narrative/narrator.js';
import { writeApproval } from '../../src/store/approvals.js';
import { EventLog } from '../../src/store/event-log.js';
import { createRunId } from '../../src/store/paths.js';

/** What the fake actions saw: start/end order, concurrency, attempts, and what they received. */
interface Probe {
  /** `start:<id>` and `end:<id>`, in the order they happened. */
  order: string[];
  running: Set<string>;
  peak: number;
  attempts: Map<string, number>;
  received: Map<string, Record<string, unknown>>;
  /** Lets a held step finish. */
  release(stepId: string): void;
}

function createProbe(): { probe: Probe; fake: ActionAdapter } {
  const releases = new Map<string, () => void>();
  const released = new Set<string>();
  const probe: Probe = {
    order: [],
    running: new Set(),
    peak: 0,
    attempts: new Map(),
    received: new Map(),
    release(stepId) {
      released.add(stepId);
      releases.get(stepId)?.();
    },
  };
  /**
   * `with`: `hold` waits for release (or, unless `deaf`, for abort); `fail: N` fails the first
   * N attempts; `fatal` throws a non-retriable error; `outputs` is returned.
   */
  const fake: ActionAdapter = {
    name: 'fake',
    universes: ['engineer', 'ceremony', 'story'],
    async run(ctx) {
      const id = ctx.stepId;
      probe.order.push(`start:${id}`);
      probe.running.add(id);
      probe.peak = Math.max(probe.peak, probe.running.size);
      probe.attempts.set(id, ctx.attempt);
      probe.received.set(id, ctx.with);
      try {
        if (ctx.with.hold === true && !released.has(id)) {
          await new Promise<void>((resolve, reject) => {
            releases.set(id, resolve);
            if (ctx.with.deaf !== true) {
              ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), {
                once: true,
              });
            }
          });
        }
        if (ctx.with.fatal === true) {
          throw new MiaError('MIA_TEST_FATAL', `${id} cannot succeed`, { isRetriable: false });
        }
        if (typeof ctx.with.fail === 'number' && ctx.attempt <= ctx.with.fail) {
          throw new Error(`${id} failed on attempt ${ctx.attempt}`);
        }
        return { outputs: (ctx.with.outputs as Record<string, unknown> | undefined) ?? {} };
      } finally {
        probe.running.delete(id);
        probe.order.push(`end:${id}`);
      }
    },
  };
  return { probe, fake };
}

const workspaces: string[] = [];

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(workspaces.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

interface Started {
  probe: Probe;
  /** Every event published so far, in order. */
  events: MiaEvent[];
  controller: AbortController;
  done: Promise<ExecuteResult>;
}

/** Loads `steps` (YAML) through the real loader as workflow `demo` and starts executing it. */
async function start(
  steps: string,
  options: {
    concurrency?: number;
    inputs?: Record<string, string>;
    header?: string;
    autoApprove?: boolean;
    kept?: Map<string, Record<string, unknown>>;
    /** Executors asked before the local one. */
    executors?: StepExecutor[];
  } = {},
): Promise<Started & { workspace: string; runId: string }> {
  const workspace = await mkdtemp(join(tmpdir(), 'mia-executor-'));
  workspaces.push(workspace);
  await mkdir(join(workspace, '.mia/workflows'), { recursive: true });
  await writeFile(
    join(workspace, '.mia/workflows/demo.yaml'),
    `name: demo\nnarrative: "The demo reaches its end"\n${options.header ?? ''}steps:\n${steps}`,
  );
  const { probe, fake } = createProbe();
  const registry = new ActionRegistry([fake, approveAction]);
  const { workflow, plan } = await loadWorkflow('demo', { workspace, registry });
  const runId = createRunId();
  const log = await EventLog.create(workspace, runId);
  const events: MiaEvent[] = [];
  log.subscribe((event) => events.push(event));
  const controller = new AbortController();
  const done = scheduleSteps({
    handle: {
      runId,
      workspace,
      workflow,
      plan,
      inputs: options.inputs ?? {},
      concurrency: options.concurrency ?? 4,
      events: log,
    },
    resume: {
      kept: options.kept ?? new Map(),
      firstStartedAt: new Map(),
      hadTension: new Set(),
      priorRunningMs: 0,
    },
    execution: {
      registry,
      runChapter: () => Promise.reject(new Error('these tests run no chapters')),
      executors: options.executors ?? [],
      signal: controller.signal,
    },
    local: new LocalStepExecutor(registry),
    narrator: new Narrator(log, { workspace, actions: registry }),
    gates: new GateKeeper({
      workspace,
      runId,
      events: log,
      autoApprove: options.autoApprove ?? false,
    }),
  }).finally(() => log.close());
  return { probe, events, controller, done, workspace, runId };
}

/** Waits until `predicate` holds, turning the event loop (timers may be fake: not setTimeout). */
async function until(predicate: () => boolean): Promise<void> {
  const giveUpAt = Date.now() + 10_000;
  while (!predicate()) {
    if (Date.now() > giveUpAt) throw new Error('the awaited state never came');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function ofType<T extends EventType>(events: MiaEvent[], type: T, stepId?: string): EventOf<T>[] {
  return events.filter(
    (e): e is EventOf<T> =>
      e.type === type &&
      (stepId === undefined || (e.payload as { stepId?: string }).stepId === stepId),
  );
}

function stepIdsOf(events: MiaEvent[], type: EventType): string[] {
  return ofType(events, type).map((e) => (e.payload as { stepId: string }).stepId);
}

function expectContinuousSeq(events: MiaEvent[]): void {
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
}

describe('scheduleSteps', () => {
  it('never runs more steps at once than the concurrency limit, and reaches it on a wide graph', async () => {
    const wide = Array.from(
      { length: 8 },
      (_, i) => `  - { id: s${i}, action: fake, with: { hold: true } }\n`,
    ).join('');
    const run = await start(wide, { concurrency: 3 });
    const ended = () => run.probe.order.filter((entry) => entry.startsWith('end:')).length;
    for (let finished = 0; finished < 8; finished++) {
      const expected = Math.min(3, 8 - finished);
      await until(() => ended() === finished && run.probe.running.size >= expected);
      expect(run.probe.running.size).toBe(expected);
      run.probe.release([...run.probe.running][0]!);
    }
    expect(await run.done).toMatchObject({ status: 'completed', failedSteps: [] });
    expect(run.probe.peak).toBe(3);
    expect(stepIdsOf(run.events, 'workflow.step.completed')).toHaveLength(8);
  });

  it('starts a dependent of a fast step while its slow sibling is still running', async () => {
    const run = await start(
      [
        '  - { id: fast, action: fake, with: { hold: true } }',
        '  - { id: slow, action: fake, with: { hold: true } }',
        '  - { id: after-fast, action: fake, depends_on: [fast] }',
        '',
      ].join('\n'),
    );
    await until(() => run.probe.running.size === 2);
    run.probe.release('fast');
    await until(() => run.probe.order.includes('end:after-fast'));
    expect(run.probe.running).toEqual(new Set(['slow']));
    run.probe.release('slow');
    expect((await run.done).status).toBe('completed');
    const order = run.probe.order;
    expect(order.indexOf('start:after-fast')).toBeLessThan(order.indexOf('end:slow'));
  });

  it('skips everything downstream of a failed step, naming it, while independent branches complete', async () => {
    const run = await start(
      [
        '  - { id: broken, action: fake, tension: "The bridge breaks", with: { fail: 9 } }',
        '  - { id: after-broken, action: fake, depends_on: [broken] }',
        '  - { id: further, action: fake, depends_on: [after-broken] }',
        '  - { id: healthy, action: fake }',
        '  - { id: after-healthy, action: fake, depends_on: [healthy] }',
        '',
      ].join('\n'),
    );
    expect(await run.done).toMatchObject({ status: 'failed', failedSteps: ['broken'] });
    const skipped = ofType(run.events, 'workflow.step.skipped').map((e) => [
      e.payload.stepId,
      e.payload.reason,
      e.payload.cause,
    ]);
    expect(skipped).toEqual([
      ['after-broken', 'upstream step "broken" failed', 'upstream'],
      ['further', 'upstream step "after-broken" was skipped', 'upstream'],
    ]);
    expect(stepIdsOf(run.events, 'workflow.step.completed').sort()).toEqual([
      'after-healthy',
      'healthy',
    ]);
    expect(run.probe.order).not.toContain('start:after-broken');
    const tension = ofType(run.events, 'workflow.tension', 'broken');
    expect(tension.map((e) => [e.payload.text, e.payload.error.message])).toEqual([
      ['The bridge breaks', 'broken failed on attempt 1'],
    ]);
    expectContinuousSeq(run.events);
  });

  it('skips a step whose condition is false and still runs its dependents, which see it skipped', async () => {
    const run = await start(
      [
        `  - { id: deploy, action: fake, when: "\${{ inputs.deploy == 'yes' }}" }`,
        '  - id: report',
        '    action: fake',
        '    depends_on: [deploy]',
        '    with: { seen: "${{ steps.deploy.status }}" }',
        '',
      ].join('\n'),
      { header: 'inputs:\n  deploy: { default: "no" }\n', inputs: { deploy: 'no' } },
    );
    expect((await run.done).status).toBe('completed');
    const skipped = ofType(run.events, 'workflow.step.skipped', 'deploy')[0];
    expect(skipped?.payload).toEqual({
      stepId: 'deploy',
      reason: `its condition "\${{ inputs.deploy == 'yes' }}" is false`,
      cause: 'condition',
    });
    expect(run.probe.order).toEqual(['start:report', 'end:report']);
    expect(run.probe.received.get('report')).toEqual({ seen: 'skipped' });
  });

  it('lets a continue_on_error step fail, tells its tension, runs its dependents and completes the run', async () => {
    const run = await start(
      [
        '  - { id: optional, action: fake, continue_on_error: true, with: { fail: 1 } }',
        '  - { id: next, action: fake, depends_on: [optional] }',
        '',
      ].join('\n'),
    );
    expect(await run.done).toMatchObject({ status: 'completed', failedSteps: [] });
    const failed = ofType(run.events, 'workflow.step.failed', 'optional')[0];
    expect(failed?.payload.continueOnError).toBe(true);
    expect(ofType(run.events, 'workflow.tension', 'optional')).toHaveLength(1);
    expect(stepIdsOf(run.events, 'workflow.step.completed')).toEqual(['next']);
  });

  it.each([
    {
      title: 'retries with a fixed delay until the step succeeds',
      retry: '{ attempts: 3, delay: 10ms }',
      fail: 2,
      delays: [10, 10],
      status: 'completed',
      attempts: 3,
    },
    {
      title: 'doubles the delay between attempts with exponential backoff',
      retry: '{ attempts: 4, delay: 10ms, backoff: exponential }',
      fail: 3,
      delays: [10, 20, 40],
      status: 'completed',
      attempts: 4,
    },
    {
      title: 'fails once every attempt has failed',
      retry: '{ attempts: 2, delay: 10ms, backoff: exponential }',
      fail: 5,
      delays: [10],
      status: 'failed',
      attempts: 2,
    },
  ])('$title', async ({ retry, fail, delays, status, attempts }) => {
    const run = await start(
      `  - { id: flaky, action: fake, retry: ${retry}, with: { fail: ${fail} } }\n`,
    );
    expect((await run.done).status).toBe(status);
    const retrying = ofType(run.events, 'workflow.step.retrying');
    expect(retrying.map((e) => e.payload.delayMs)).toEqual(delays);
    expect(retrying.map((e) => e.payload.attempt)).toEqual(delays.map((_, i) => i + 2));
    expect(retrying[0]?.payload.error.message).toBe('flaky failed on attempt 1');
    expect(ofType(run.events, 'workflow.step.started').map((e) => e.payload.attempt)).toEqual(
      Array.from({ length: attempts }, (_, i) => i + 1),
    );
    expect(run.probe.attempts.get('flaky')).toBe(attempts);
  });

  it('tells a success after failed attempts as a transformation', async () => {
    const run = await start(
      '  - { id: flaky, action: fake, retry: { attempts: 2, delay: 10ms }, with: { fail: 1 } }\n',
    );
    expect((await run.done).status).toBe('completed');
    const beats = ofType(run.events, 'beat.created').map((e) => e.payload.beat);
    expect(beats.filter((b) => b.stepId === 'flaky').map((b) => b.type)).toEqual([
      'transformation',
    ]);
  });

  it('does not retry an error that says trying again cannot help', async () => {
    const run = await start(
      '  - { id: doomed, action: fake, retry: { attempts: 3, delay: 10ms }, with: { fatal: true } }\n',
    );
    expect(await run.done).toMatchObject({ status: 'failed', failedSteps: ['doomed'] });
    expect(ofType(run.events, 'workflow.step.retrying')).toEqual([]);
    const failed = ofType(run.events, 'workflow.step.failed', 'doomed')[0];
    expect(failed?.payload.error).toEqual({
      message: 'doomed cannot succeed',
      code: 'MIA_TEST_FATAL',
    });
    expect(failed?.payload.attempt).toBe(1);
  });

  it('fails a step that runs past its timeout with MIA_STEP_TIMEOUT and skips its dependents', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const run = await start(
      [
        '  - { id: slow, action: fake, timeout: 100ms, with: { hold: true } }',
        '  - { id: after, action: fake, depends_on: [slow] }',
        '',
      ].join('\n'),
    );
    await until(() => run.probe.running.has('slow'));
    await vi.advanceTimersByTimeAsync(100);
    expect(await run.done).toMatchObject({ status: 'failed', failedSteps: ['slow'] });
    const failed = ofType(run.events, 'workflow.step.failed', 'slow')[0];
    expect(failed?.payload.error).toMatchObject({
      code: 'MIA_STEP_TIMEOUT',
      message: 'Step "slow" timed out after 100ms.',
    });
    expect(failed?.payload.interrupted).toBe(false);
    expect(ofType(run.events, 'workflow.step.skipped', 'after')[0]?.payload.reason).toBe(
      'upstream step "slow" failed',
    );
  });

  it('holds a step with a 30-day timeout past the 24.8 days one timer holds, then times it out', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const run = await start(
      '  - { id: slow, action: fake, timeout: 720h, with: { hold: true } }\n',
    );
    await until(() => run.probe.running.has('slow'));
    await vi.advanceTimersByTimeAsync(25 * 24 * 3_600_000);
    expect(run.probe.running.has('slow')).toBe(true);
    expect(ofType(run.events, 'workflow.step.failed')).toEqual([]);
    await vi.advanceTimersByTimeAsync(5 * 24 * 3_600_000);
    expect(await run.done).toMatchObject({ status: 'failed', failedSteps: ['slow'] });
    expect(ofType(run.events, 'workflow.step.failed', 'slow')[0]?.payload.error).toMatchObject({
      code: 'MIA_STEP_TIMEOUT',
      message: 'Step "slow" timed out after 2592000s.',
    });
  });

  it('abandons an action that ignores its abort signal after a timeout, and fails the step with MIA_STEP_TIMEOUT', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const run = await start(
      '  - { id: deaf, action: fake, timeout: 100ms, with: { hold: true, deaf: true } }\n',
    );
    await until(() => run.probe.running.has('deaf'));
    await vi.advanceTimersByTimeAsync(100);
    // Told to stop, the action carries on; the engine waits a grace period, then gives up on it.
    expect(ofType(run.events, 'workflow.step.failed')).toEqual([]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await run.done).toMatchObject({ status: 'failed', failedSteps: ['deaf'] });
    expect(run.probe.running.has('deaf')).toBe(true);
    const failed = ofType(run.events, 'workflow.step.failed', 'deaf')[0];
    expect(failed?.payload.error).toMatchObject({
      code: 'MIA_STEP_TIMEOUT',
      message: 'Step "deaf" timed out after 100ms.',
    });
    run.probe.release('deaf');
  });

  it('stops on interruption: running steps end interrupted, steps not yet started get no event', async () => {
    const run = await start(
      [
        '  - { id: running, action: fake, with: { hold: true } }',
        '  - { id: queued, action: fake, with: { hold: true } }',
        '  - { id: downstream, action: fake, depends_on: [running] }',
        '',
      ].join('\n'),
      { concurrency: 1 },
    );
    await until(() => run.probe.running.has('running'));
    run.controller.abort('SIGINT');
    const result = await run.done;
    expect(result.status).toBe('interrupted');
    const touched = new Set(
      run.events.map((e) => (e.payload as { stepId?: string }).stepId).filter(Boolean),
    );
    expect([...touched]).toEqual(['running']);
    const failed = ofType(run.events, 'workflow.step.failed', 'running')[0];
    expect(failed?.payload.interrupted).toBe(true);
    expect(ofType(run.events, 'workflow.tension')).toEqual([]);
    expect(run.probe.order).toEqual(['start:running', 'end:running']);
    expectContinuousSeq(run.events);
  });

  it('hands outputs to a dependent through ${{ steps.x.outputs.y }} in with', async () => {
    const run = await start(
      [
        '  - { id: produce, action: fake, with: { outputs: { version: "1.2.3", count: 2 } } }',
        '  - id: consume',
        '    action: fake',
        '    depends_on: [produce]',
        '    with:',
        '      tag: "v${{ steps.produce.outputs.version }}"',
        '      count: "${{ steps.produce.outputs.count }}"',
        '',
      ].join('\n'),
    );
    expect((await run.done).status).toBe('completed');
    expect(run.probe.received.get('consume')).toEqual({ tag: 'v1.2.3', count: 2 });
    expect(ofType(run.events, 'workflow.step.completed', 'produce')[0]?.payload.outputs).toEqual({
      version: '1.2.3',
      count: 2,
    });
  });

  it('does not run a kept step again and still hands its outputs to its dependents', async () => {
    const run = await start(
      [
        '  - { id: done-before, action: fake }',
        '  - id: next',
        '    action: fake',
        '    depends_on: [done-before]',
        '    with: { seen: "${{ steps.done-before.outputs.answer }}", outputs: { mine: 1 } }',
        '',
      ].join('\n'),
      { kept: new Map([['done-before', { answer: 'forty-two' }]]) },
    );
    const result = await run.done;
    expect(result.status).toBe('completed');
    expect(run.probe.order).toEqual(['start:next', 'end:next']);
    expect(run.probe.received.get('next')).toMatchObject({ seen: 'forty-two' });
    // The result carries every step's outputs, kept ones included: nobody reads the log for them.
    expect(result.outputs).toEqual({ 'done-before': { answer: 'forty-two' }, next: { mine: 1 } });
  });

  it('hands each step to the first executor that takes it, and what every executor declines to the local one', async () => {
    const attempts: string[] = [];
    const far: StepExecutor = {
      name: 'far',
      accepts: (step) => step.id.startsWith('far'),
      async runAttempt(step, context) {
        attempts.push(`${step.id}#${context.attempt}`);
        context.log.write('stdout', `ran far away as ${context.env.MIA_STEP_ID}\n`);
        return { status: 'completed', outputs: { where: 'far' } };
      },
    };
    const run = await start(
      [
        '  - { id: far_one, action: fake }',
        '  - id: here',
        '    action: fake',
        '    depends_on: [far_one]',
        '    with: { seen: "${{ steps.far_one.outputs.where }}" }',
        '',
      ].join('\n'),
      { executors: [far] },
    );
    expect((await run.done).status).toBe('completed');
    expect(attempts).toEqual(['far_one#1']);
    expect(run.probe.order).toEqual(['start:here', 'end:here']);
    expect(run.probe.received.get('here')).toEqual({ seen: 'far' });
    const logged = ofType(run.events, 'workflow.step.log', 'far_one').map((e) => e.payload.text);
    expect(logged.join('')).toBe('ran far away as far_one\n');
  });

  it('retries the failed attempts of any executor and stops an attempt at its timeout, above the seam', async () => {
    const attempts: number[] = [];
    const flaky: StepExecutor = {
      name: 'flaky',
      accepts: () => true,
      async runAttempt(_step, context) {
        attempts.push(context.attempt);
        if (context.attempt === 1) {
          return { status: 'failed', error: new Error('lost on the way'), outputs: { tried: 1 } };
        }
        // The second attempt ends only when told to stop: the engine's timeout tells it.
        await new Promise((resolve) => context.signal.addEventListener('abort', resolve));
        return { status: 'failed', error: new Error('stopped'), outputs: { tried: 2 } };
      },
    };
    const run = await start(
      '  - { id: far, action: fake, timeout: 200ms, retry: { attempts: 2, delay: 1ms } }\n',
      { executors: [flaky] },
    );
    expect(await run.done).toMatchObject({ status: 'failed', failedSteps: ['far'] });
    expect(attempts).toEqual([1, 2]);
    const retrying = ofType(run.events, 'workflow.step.retrying', 'far');
    expect(retrying.map((e) => [e.payload.attempt, e.payload.error.message])).toEqual([
      [2, 'lost on the way'],
    ]);
    const failed = ofType(run.events, 'workflow.step.failed', 'far')[0];
    expect(failed?.payload).toMatchObject({
      attempt: 2,
      error: { code: 'MIA_STEP_TIMEOUT', message: 'Step "far" timed out after 200ms.' },
    });
    expect(run.probe.order).toEqual([]);
  });

  it('numbers every event of a run without gaps and ends chart.progress at 100 percent', async () => {
    const run = await start(
      [
        '  - { id: a, action: fake }',
        '  - { id: b, action: fake, depends_on: [a] }',
        '  - { id: c, action: fake, depends_on: [a] }',
        '  - { id: d, action: fake, depends_on: [b, c], with: { fail: 1 }, retry: { attempts: 2, delay: 1ms } }',
        '',
      ].join('\n'),
    );
    expect((await run.done).status).toBe('completed');
    expectContinuousSeq(run.events);
    const progress = ofType(run.events, 'chart.progress').map((e) => e.payload);
    expect(progress.map((p) => p.completedSteps)).toEqual([1, 2, 3, 4]);
    expect(progress.at(-1)).toEqual({
      chartId: run.runId,
      title: 'demo',
      completedSteps: 4,
      totalSteps: 4,
      percent: 100,
      action: { id: 'd', title: 'd', completed: true },
    });
  });

  it('approves a gate at once with autoApprove, recorded as automatic', async () => {
    const run = await start('  - { id: gate, action: approve, with: { prompt: "Ship it?" } }\n', {
      autoApprove: true,
    });
    expect((await run.done).status).toBe('completed');
    expect(ofType(run.events, 'workflow.step.waiting', 'gate')[0]?.payload.prompt).toBe('Ship it?');
    expect(ofType(run.events, 'workflow.step.completed', 'gate')[0]?.payload.outputs).toEqual({
      approved: true,
      by: '--yes',
      automatic: true,
    });
  });

  it('holds a gate without autoApprove until an answer is written, then completes with it', async () => {
    const run = await start('  - { id: gate, action: approve, with: { prompt: "Ship it?" } }\n');
    await until(() => ofType(run.events, 'workflow.step.waiting', 'gate').length === 1);
    expect(ofType(run.events, 'workflow.step.completed')).toEqual([]);
    await writeApproval(run.workspace, run.runId, 'gate', {
      approved: true,
      by: 'ada',
      reason: 'looks good',
      automatic: false,
    });
    expect((await run.done).status).toBe('completed');
    expect(ofType(run.events, 'workflow.step.completed', 'gate')[0]?.payload.outputs).toEqual({
      approved: true,
      by: 'ada',
      automatic: false,
      reason: 'looks good',
    });
  });
});
