import { describe, expect, it } from 'vitest';
import { EventLogError } from '../../src/errors.js';
import { applyEvent, foldRunState, getRunningMsSoFar, markCrashed } from '../../src/view/fold.js';
import type { StepState } from '../../src/view/run-state.js';
import {
  describeSteps,
  type ReachedStatus,
  RunEvents,
  timestampOf,
} from '../helpers/run-events.js';

const STEPS = ['a:', 'b: a', 'c: b', 'w:'];

describe('foldRunState', () => {
  it("takes the run's identity from workflow.started and starts it running", () => {
    const { events } = new RunEvents().start(STEPS);
    const state = foldRunState(events);
    expect(state).toMatchObject({
      runId: '20261123-100000-abcdef',
      workflow: 'demo',
      narrative: 'The demo reaches its end',
      inputs: { tag: 'v1' },
      source: { kind: 'workspace', path: '/w/.mia/workflows/demo.yaml' },
      workspace: '/w',
      concurrency: 3,
      steps: describeSteps(STEPS),
      status: 'running',
      startedAt: timestampOf(1),
      updatedAt: timestampOf(1),
      endedAt: undefined,
      resumes: 0,
      lastSeq: 1,
    });
    expect([...state.stepStates.values()].map((s) => [s.id, s.status])).toEqual([
      ['a', 'pending'],
      ['b', 'pending'],
      ['c', 'pending'],
      ['w', 'pending'],
    ]);
  });

  it.each<[ReachedStatus, Partial<StepState>]>([
    ['pending', { status: 'pending', attempts: 0, firstStartedAt: undefined }],
    ['running', { status: 'running', attempts: 1, firstStartedAt: timestampOf(2) }],
    ['waiting', { status: 'waiting', attempts: 1, firstStartedAt: timestampOf(2) }],
    [
      'completed',
      {
        status: 'completed',
        outputs: { from: 'b' },
        durationMs: 5,
        endedAt: timestampOf(3),
        error: undefined,
      },
    ],
    [
      'failed',
      { status: 'failed', error: { message: 'b broke' }, durationMs: 7, hadTension: true },
    ],
    ['interrupted', { status: 'interrupted', error: { message: 'b broke' }, hadTension: false }],
    [
      'skipped-upstream',
      { status: 'skipped', skipReason: 'upstream step "x" failed', firstStartedAt: undefined },
    ],
    ['skipped-condition', { status: 'skipped', skipReason: 'its condition "false" is false' }],
  ])('folds a step that reached %s', (reached, expected) => {
    const { events } = new RunEvents().start(STEPS).reach('b', reached);
    const state = foldRunState(events);
    expect(state.stepStates.get('b')).toMatchObject(expected);
    expect(state.lastSeq).toBe(events.length);
    expect(state.updatedAt).toBe(timestampOf(events.length));
  });

  it('counts every start of a step, numbers its latest attempt, and keeps when it first started', () => {
    const { events } = new RunEvents()
      .start(STEPS)
      .add('workflow.step.started', {
        stepId: 'a',
        universe: 'engineer',
        action: 'shell',
        attempt: 1,
      })
      .add('workflow.step.retrying', {
        stepId: 'a',
        attempt: 2,
        delayMs: 10,
        error: { message: 'a broke' },
      })
      .add('workflow.step.started', {
        stepId: 'a',
        universe: 'engineer',
        action: 'shell',
        attempt: 2,
      });
    expect(foldRunState(events).stepStates.get('a')).toMatchObject({
      status: 'running',
      attempts: 2,
      attempt: 2,
      firstStartedAt: timestampOf(2),
      startedAt: timestampOf(4),
    });
  });

  it.each([
    ['workflow.completed', { durationMs: 900 }, 'completed'],
    ['workflow.failed', { durationMs: 900, failedSteps: ['b'] }, 'failed'],
    ['workflow.interrupted', { durationMs: 900, signal: 'SIGINT' }, 'interrupted'],
  ] as const)('ends the run on %s', (type, payload, status) => {
    const { events } = new RunEvents().start(STEPS).add(type, payload as never);
    expect(foldRunState(events)).toMatchObject({
      status,
      endedAt: timestampOf(2),
      durationMs: 900,
    });
  });

  it('refuses a log that does not begin with workflow.started, as a damaged log', () => {
    const { events } = new RunEvents().start(STEPS).reach('a', 'completed');
    const fold = () => foldRunState(events.slice(1));
    expect(fold).toThrow(EventLogError);
    expect(fold).toThrow(
      /^The event log does not begin with workflow\.started \(its first event is /,
    );
  });

  it('says that a run whose log holds no event never started, and what to do', () => {
    const fold = () => foldRunState([]);
    expect(fold).toThrow(EventLogError);
    expect(fold).toThrow(/^The run never started: its event log holds no event/);
  });

  it('gives the same state applied event by event as folded at once', () => {
    const { events } = new RunEvents()
      .start(STEPS)
      .reach('a', 'completed')
      .reach('b', 'failed')
      .reach('c', 'skipped-upstream')
      .reach('w', 'completed')
      .add('workflow.failed', { durationMs: 30, failedSteps: ['b'] });
    const live = foldRunState(events.slice(0, 1));
    for (const event of events.slice(1)) applyEvent(live, event);
    expect(live).toEqual(foldRunState(events));
  });
});

describe('markCrashed', () => {
  it.each<[ReachedStatus, StepState['status']]>([
    ['running', 'interrupted'],
    ['waiting', 'interrupted'],
    ['pending', 'pending'],
    ['completed', 'completed'],
    ['failed', 'failed'],
    ['interrupted', 'interrupted'],
    ['skipped-upstream', 'skipped'],
  ])('turns a step that was %s in a crashed run into %s', (reached, expected) => {
    const state = foldRunState(new RunEvents().start(STEPS).reach('b', reached).events);
    markCrashed(state);
    expect(state.status).toBe('interrupted');
    expect(state.stepStates.get('b')?.status).toBe(expected);
  });

  it('leaves a run that recorded its end as it is', () => {
    const { events } = new RunEvents()
      .start(STEPS)
      .reach('a', 'running')
      .add('workflow.failed', { durationMs: 3, failedSteps: [] });
    const state = foldRunState(events);
    markCrashed(state);
    expect(state.status).toBe('failed');
    expect(state.stepStates.get('a')?.status).toBe('running');
  });
});

describe('a resumed run', () => {
  /** a completed, b failed, c skipped, w was running when the process died; then resumed. */
  function foldResumed(rerun: string[], kept: string[], steps = STEPS) {
    const log = new RunEvents()
      .start(STEPS)
      .reach('a', 'completed')
      .reach('b', 'failed')
      .reach('c', 'skipped-upstream')
      .reach('w', 'running');
    const wStartedAt = log.events.at(-1)!.timestamp;
    const bStartedAt = log.events.find(
      (e) => e.type === 'workflow.step.started' && e.payload.stepId === 'b',
    )!.timestamp;
    log.add('workflow.resumed', {
      rerun,
      kept,
      definitionChanged: false,
      steps: describeSteps(steps),
      from: null,
      pid: 4343,
    });
    return { state: foldRunState(log.events), wStartedAt, bStartedAt };
  }

  it('is running again, counts the resume and forgets its end', () => {
    const { state } = foldResumed(['b', 'c', 'w'], ['a']);
    expect(state).toMatchObject({ status: 'running', resumes: 1, endedAt: undefined });
  });

  it('keeps the outputs of kept steps and resets re-run steps, keeping the first start of unfinished ones and how often they ran', () => {
    const { state, wStartedAt, bStartedAt } = foldResumed(['b', 'c', 'w'], ['a']);
    expect(state.stepStates.get('a')).toMatchObject({
      status: 'completed',
      outputs: { from: 'a' },
    });
    expect(state.stepStates.get('b')).toMatchObject({
      status: 'pending',
      attempts: 1,
      attempt: 0,
      error: undefined,
      outputs: {},
      firstStartedAt: bStartedAt,
      hadTension: true,
    });
    expect(state.stepStates.get('c')).toMatchObject({
      status: 'pending',
      firstStartedAt: undefined,
      skipReason: undefined,
    });
    expect(state.stepStates.get('w')).toMatchObject({
      status: 'pending',
      firstStartedAt: wStartedAt,
    });
  });

  it('starts the clock anew for a completed step that runs again', () => {
    const { state } = foldResumed(['a', 'b', 'c', 'w'], []);
    expect(state.stepStates.get('a')).toMatchObject({
      status: 'pending',
      outputs: {},
      firstStartedAt: undefined,
    });
  });

  it('takes its step list from the resume: removed steps go, added steps are pending', () => {
    const { state } = foldResumed(['b', 'x'], ['a'], ['a:', 'b: a', 'x: b']);
    expect(state.steps.map((s) => s.id)).toEqual(['a', 'b', 'x']);
    expect([...state.stepStates.keys()]).toEqual(['a', 'b', 'x']);
    expect(state.stepStates.get('x')?.status).toBe('pending');
  });
});

describe('the time a run spent running', () => {
  const resumed = {
    rerun: ['b'],
    kept: ['a'],
    definitionChanged: false,
    steps: describeSteps(['a:', 'b: a']),
    from: null,
    pid: 4343,
  };

  it('adds up the sessions that ended with a final event', () => {
    const log = new RunEvents()
      .start(['a:', 'b: a'])
      .reach('a', 'completed')
      .reach('b', 'failed')
      .add('workflow.failed', { durationMs: 2500, failedSteps: ['b'] });
    expect(getRunningMsSoFar(foldRunState(log.events))).toBe(2500);
    log.add('workflow.resumed', resumed).reach('b', 'completed');
    const running = foldRunState(log.events);
    expect(running).toMatchObject({ durationMs: undefined, lastSessionMs: undefined });
    log.add('workflow.completed', { durationMs: 1200 });
    expect(foldRunState(log.events)).toMatchObject({
      status: 'completed',
      durationMs: 3700,
      lastSessionMs: 1200,
    });
  });

  it('counts a crashed session from its start to its last event', () => {
    // Events are one second apart: the crashed session ran from seq 1 to seq 3.
    const log = new RunEvents().start(['a:', 'b: a']).reach('a', 'completed');
    expect(getRunningMsSoFar(foldRunState(log.events))).toBe(2000);
    log
      .add('workflow.resumed', resumed)
      .reach('b', 'completed')
      .add('workflow.completed', { durationMs: 500 });
    expect(foldRunState(log.events)).toMatchObject({ durationMs: 2500, lastSessionMs: 500 });
  });

  it('reads how far a crashed session got from its events, not from its ticks', () => {
    // The story keeps no ticks: the time it tells must not depend on them.
    const told = new RunEvents().start(['a:', 'b: a']).reach('a', 'completed');
    const ticked = new RunEvents().start(['a:', 'b: a']).reach('a', 'completed');
    ticked.add('chart.progress', {
      chartId: ticked.runId,
      title: 'demo',
      completedSteps: 1,
      totalSteps: 2,
      percent: 50,
      action: { id: 'a', title: 'a', completed: true },
    });
    ticked.add('workflow.step.log', { stepId: 'a', stream: 'stdout', text: 'late line' });
    expect(getRunningMsSoFar(foldRunState(ticked.events))).toBe(
      getRunningMsSoFar(foldRunState(told.events)),
    );
  });
});

describe('gates in the fold', () => {
  it('keeps each gate a step waits at, its own or in its chapter, until its answer is taken', () => {
    const run = new RunEvents()
      .start(STEPS)
      .add('workflow.step.started', {
        stepId: 'a',
        universe: 'story',
        action: 'workflow',
        attempt: 1,
      })
      .add('workflow.step.waiting', { stepId: 'a', prompt: 'One?', gate: 'a/one' })
      .add('workflow.step.waiting', { stepId: 'a', prompt: 'Two?', gate: 'a/two' });
    let state = foldRunState(run.events);
    expect(state.stepStates.get('a')).toMatchObject({
      status: 'waiting',
      gates: [
        { path: 'a/one', prompt: 'One?' },
        { path: 'a/two', prompt: 'Two?' },
      ],
    });
    run.add('workflow.step.answered', {
      stepId: 'a',
      approved: true,
      by: 'ada',
      automatic: false,
      gate: 'a/one',
    });
    state = foldRunState(run.events);
    expect(state.stepStates.get('a')).toMatchObject({
      status: 'waiting',
      gates: [{ path: 'a/two', prompt: 'Two?' }],
    });
    run.add('workflow.step.answered', {
      stepId: 'a',
      approved: true,
      by: 'ada',
      automatic: false,
      gate: 'a/two',
    });
    state = foldRunState(run.events);
    expect(state.stepStates.get('a')).toMatchObject({ status: 'running', gates: [] });
  });

  it('takes an own gate by the step id, and forgets open gates when the run crashed', () => {
    const run = new RunEvents()
      .start(STEPS)
      .add('workflow.step.started', {
        stepId: 'w',
        universe: 'ceremony',
        action: 'approve',
        attempt: 1,
      })
      .add('workflow.step.waiting', { stepId: 'w', prompt: 'Ship?' });
    const state = foldRunState(run.events);
    expect(state.stepStates.get('w')?.gates).toEqual([{ path: 'w', prompt: 'Ship?' }]);
    markCrashed(state);
    expect(state.stepStates.get('w')).toMatchObject({ status: 'interrupted', gates: [] });
  });

  it('keeps the outputs a failed step produced, and forgets them when it runs again', () => {
    const run = new RunEvents()
      .start(STEPS)
      .add('workflow.step.started', {
        stepId: 'a',
        universe: 'engineer',
        action: 'run-tests',
        attempt: 1,
      })
      .add('workflow.step.failed', {
        stepId: 'a',
        durationMs: 5,
        error: { message: '2 tests failed' },
        outputs: { failed: 2 },
        attempt: 1,
        interrupted: false,
        continueOnError: false,
      });
    expect(foldRunState(run.events).stepStates.get('a')?.outputs).toEqual({ failed: 2 });
    run.add('workflow.resumed', {
      rerun: ['a', 'b', 'c', 'w'],
      kept: [],
      definitionChanged: false,
      steps: describeSteps(STEPS),
      from: null,
      pid: 1,
    });
    expect(foldRunState(run.events).stepStates.get('a')?.outputs).toEqual({});
  });
});

describe('a step that runs again on resume', () => {
  it('counts its attempts over every session and keeps its tension, resolved once it completes', () => {
    const log = new RunEvents().start(['a:']).reach('a', 'failed');
    log.add('workflow.failed', { durationMs: 9, failedSteps: ['a'] });
    const failed = foldRunState(log.events).stepStates.get('a');
    expect(failed?.tension).toMatchObject({
      text: 'a failed',
      message: 'a broke',
      isResolved: false,
    });
    log
      .add('workflow.resumed', {
        rerun: ['a'],
        kept: [],
        definitionChanged: false,
        steps: describeSteps(['a:']),
        from: null,
        pid: 4343,
      })
      .reach('a', 'completed');
    expect(foldRunState(log.events).stepStates.get('a')).toMatchObject({
      status: 'completed',
      attempts: 2,
      attempt: 1,
      tension: { text: 'a failed', isResolved: true },
    });
  });
});
