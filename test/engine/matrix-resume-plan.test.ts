// What a resume re-runs of a matrix step: only the legs that did not complete, unless the step
// changed or is `from`; `from` one leg re-runs that leg. And how the run view keeps the legs.

import { describe, expect, it } from 'vitest';
import { ActionRegistry } from '../../src/actions/registry.js';
import { planWorkflow } from '../../src/definition/loaded-workflow.js';
import { findOutdatedSteps } from '../../src/engine/outdated.js';
import { planResume } from '../../src/engine/resume-plan.js';
import { applyEvent, foldRunState } from '../../src/view/fold.js';
import { listStepStates } from '../../src/view/run-state.js';
import { makeResolvedStep, makeResolvedWorkflow } from '../helpers/resolved-workflow.js';
import { describeSteps, type ReachedStatus, RunEvents } from '../helpers/run-events.js';

const LEGS = ['t(1)', 't(2)', 't(3)'];
const STRATEGY = {
  matrix: { n: [1, 2, 3] },
  legs: [{ n: 1 }, { n: 2 }, { n: 3 }],
  keys: ['n'],
  maxParallel: undefined,
  failFast: true,
};

/** A run of `a`, matrix step `t` (after a) with legs t(1..3), and `u` after t. */
function runThatReached(reached: Record<string, ReachedStatus>) {
  const [a, t, u] = describeSteps(['a:', 't: a', 'u: t']);
  const log = new RunEvents().add('workflow.started', {
    workflow: 'demo',
    narrative: 'n',
    inputs: {},
    steps: [a!, { ...t!, legs: LEGS }, u!],
    source: { kind: 'workspace', path: '/w/.mia/workflows/demo.yaml' },
    workspace: '/w',
    concurrency: 3,
    pid: 1,
  });
  for (const [id, status] of Object.entries(reached)) log.reach(id, status);
  return { log, state: foldRunState(log.events) };
}

function loadedOf(tHash = 'h-t') {
  const workflow = makeResolvedWorkflow([
    makeResolvedStep('a', [], { hash: 'h-a' }),
    makeResolvedStep('t', ['a'], { hash: tHash, strategy: STRATEGY }),
    makeResolvedStep('u', ['t'], { hash: 'h-u' }),
  ]);
  return planWorkflow(workflow);
}

const FAILED_LEG: Record<string, ReachedStatus> = {
  a: 'completed',
  't(1)': 'completed',
  't(2)': 'failed',
  't(3)': 'skipped-upstream',
  t: 'failed',
  u: 'skipped-upstream',
};

const DONE: Record<string, ReachedStatus> = {
  a: 'completed',
  't(1)': 'completed',
  't(2)': 'completed',
  't(3)': 'completed',
  t: 'completed',
  u: 'completed',
};

describe('planResume of a matrix step', () => {
  it.each<{
    title: string;
    reached: Record<string, ReachedStatus>;
    from?: string;
    tHash?: string;
    rerun: string[];
    kept: string[];
  }>([
    {
      title: 're-runs only the legs that did not complete, and the step and its dependents',
      reached: FAILED_LEG,
      rerun: ['t', 't(2)', 't(3)', 'u'],
      kept: ['a', 't(1)'],
    },
    {
      title: 're-runs one leg from --from that leg, and the step and its dependents',
      reached: DONE,
      from: 't(2)',
      rerun: ['t', 't(2)', 'u'],
      kept: ['a', 't(1)', 't(3)'],
    },
    {
      title: 're-runs every leg from --from the step',
      reached: DONE,
      from: 't',
      rerun: ['t', 't(1)', 't(2)', 't(3)', 'u'],
      kept: ['a'],
    },
    {
      title: 're-runs every leg of a step whose definition changed',
      reached: FAILED_LEG,
      tHash: 'h-t-changed',
      rerun: ['t', 't(1)', 't(2)', 't(3)', 'u'],
      kept: ['a'],
    },
    {
      title: 'keeps every leg of a completed step',
      reached: DONE,
      rerun: [],
      kept: ['a', 't', 't(1)', 't(2)', 't(3)', 'u'],
    },
  ])('$title', ({ reached, from, tHash, rerun, kept }) => {
    const plan = planResume(runThatReached(reached).state, loadedOf(tHash), from);
    expect({ rerun: plan.rerun, kept: plan.kept }).toEqual({ rerun, kept });
  });
});

describe('the run view of a matrix step', () => {
  it('lists the legs after their step, marks them as its, and counts the step as running while a leg runs', () => {
    const { state } = runThatReached({ a: 'completed', 't(1)': 'running' });
    const listed = listStepStates(state).map((s) => [s.id, s.group, s.status]);
    expect(listed).toEqual([
      ['a', undefined, 'completed'],
      ['t', undefined, 'running'],
      ['t(1)', 't', 'running'],
      ['t(2)', 't', 'pending'],
      ['t(3)', 't', 'pending'],
      ['u', undefined, 'pending'],
    ]);
  });

  it('passes by the legs of a step passed by', () => {
    const { state } = runThatReached({ a: 'failed', t: 'skipped-upstream' });
    expect(
      listStepStates(state)
        .filter((s) => s.group === 't')
        .map((s) => s.status),
    ).toEqual(['skipped', 'skipped', 'skipped']);
  });

  it('resets on resume only the legs that run again, keeping the completed ones', () => {
    const { log, state } = runThatReached(FAILED_LEG);
    const plan = planResume(state, loadedOf(), undefined);
    log.add('workflow.resumed', {
      rerun: plan.rerun,
      kept: plan.kept,
      definitionChanged: false,
      steps: state.steps,
      from: null,
      pid: 2,
    });
    const resumed = foldRunState(log.events);
    expect(listStepStates(resumed).map((s) => [s.id, s.status])).toEqual([
      ['a', 'completed'],
      ['t', 'pending'],
      ['t(1)', 'completed'],
      ['t(2)', 'pending'],
      ['t(3)', 'pending'],
      ['u', 'pending'],
    ]);
    applyEvent(resumed, log.events.at(-1)!);
    expect(resumed.stepStates.get('t(2)')?.attempts).toBe(1);
  });
});

describe('findOutdatedSteps of a matrix step', () => {
  it("runs the whole step again when one completed leg's result no longer holds", async () => {
    const { state } = runThatReached({ a: 'completed', 't(1)': 'completed', 't(2)': 'failed' });
    // The reached legs' outputs are { from: <leg id> }: t(1)'s merge moved since.
    const registry = new ActionRegistry([
      {
        name: 'wait',
        universes: ['engineer'],
        run: async () => ({ outputs: {} }),
        checkOutdated: async ({ outputs }) => (outputs.from === 't(1)' ? 'main moved' : undefined),
      },
    ]);
    const outdated = await findOutdatedSteps(state, loadedOf().workflow, registry, '/w');
    expect(outdated).toEqual({ t: 'leg t(1): main moved' });
    expect(planResume(state, loadedOf(), undefined, outdated).kept).toEqual(['a']);
  });
});
