import { describe, expect, it } from 'vitest';
import { planWorkflow } from '../../src/definition/loaded-workflow.js';
import type { ResolvedWorkflow } from '../../src/definition/types.js';
import { collectResumeState, planResume } from '../../src/engine/resume-plan.js';
import { foldRunState, markCrashed } from '../../src/view/fold.js';
import { makeResolvedStep, makeResolvedWorkflow } from '../helpers/resolved-workflow.js';
import {
  describeSteps,
  type ReachedStatus,
  RunEvents,
  timestampOf,
} from '../helpers/run-events.js';

/** The definition the run started with: a -> b -> c, and d on its own. */
const BEFORE = ['a:', 'b: a', 'c: b', 'd:'];

/** A workflow as it is now, from `id: deps` lines (a `*` after the id: its definition changed). */
function workflowOf(lines: string[]): ResolvedWorkflow {
  return makeResolvedWorkflow(
    describeSteps(lines).map((step) =>
      makeResolvedStep(step.id, step.depends_on, {
        action: step.action,
        universe: step.universe,
        hash: step.hash,
      }),
    ),
  );
}

/** A run of BEFORE whose steps reached the given statuses, then crashed (or ended). */
function runThatReached(reached: Partial<Record<string, ReachedStatus>>) {
  const log = new RunEvents().start(BEFORE);
  for (const [id, status] of Object.entries(reached)) log.reach(id, status ?? 'pending');
  const state = foldRunState(log.events);
  markCrashed(state);
  return state;
}

const ALL_DONE = {
  a: 'completed',
  b: 'completed',
  c: 'completed',
  d: 'completed',
} as const satisfies Record<string, ReachedStatus>;

describe('planResume', () => {
  it.each<{
    title: string;
    reached: Partial<Record<string, ReachedStatus>>;
    now?: string[];
    from?: string;
    outdated?: Record<string, string>;
    rerun: string[];
    kept: string[];
    changed: string[];
    definitionChanged: boolean;
  }>([
    {
      title: 'keeps every completed step of an unchanged definition',
      reached: ALL_DONE,
      rerun: [],
      kept: ['a', 'b', 'c', 'd'],
      changed: [],
      definitionChanged: false,
    },
    {
      title: 're-runs a failed step and the steps skipped because of it',
      reached: { a: 'completed', b: 'failed', c: 'skipped-upstream', d: 'completed' },
      rerun: ['b', 'c'],
      kept: ['a', 'd'],
      changed: [],
      definitionChanged: false,
    },
    {
      title: 're-runs steps that never started',
      reached: { a: 'completed' },
      rerun: ['b', 'c', 'd'],
      kept: ['a'],
      changed: [],
      definitionChanged: false,
    },
    {
      title: 're-runs steps that were running or waiting when the run crashed',
      reached: { a: 'completed', b: 'running', d: 'waiting' },
      rerun: ['b', 'c', 'd'],
      kept: ['a'],
      changed: [],
      definitionChanged: false,
    },
    {
      title: 're-runs an interrupted step',
      reached: { a: 'completed', b: 'completed', c: 'interrupted', d: 'completed' },
      rerun: ['c'],
      kept: ['a', 'b', 'd'],
      changed: [],
      definitionChanged: false,
    },
    {
      title: 'evaluates again a step skipped by its condition',
      reached: { ...ALL_DONE, d: 'skipped-condition' },
      rerun: ['d'],
      kept: ['a', 'b', 'c'],
      changed: [],
      definitionChanged: false,
    },
    {
      title: 're-runs a changed completed step and everything downstream of it',
      reached: ALL_DONE,
      now: ['a:', 'b*: a', 'c: b', 'd:'],
      rerun: ['b', 'c'],
      kept: ['a', 'd'],
      changed: ['b'],
      definitionChanged: true,
    },
    {
      title: 'runs an added step and marks the definition changed',
      reached: ALL_DONE,
      now: [...BEFORE, 'e: d'],
      rerun: ['e'],
      kept: ['a', 'b', 'c', 'd'],
      changed: ['e'],
      definitionChanged: true,
    },
    {
      title: 'marks the definition changed when a step was removed, keeping the rest',
      reached: ALL_DONE,
      now: ['a:', 'b: a', 'c: b'],
      rerun: [],
      kept: ['a', 'b', 'c'],
      changed: [],
      definitionChanged: true,
    },
    {
      title: 'marks the definition changed when a dependency changed',
      reached: ALL_DONE,
      now: ['a:', 'b: a', 'c: b', 'd: a'],
      rerun: [],
      kept: ['a', 'b', 'c', 'd'],
      changed: [],
      definitionChanged: true,
    },
    {
      title: 're-runs the --from step and its downstream of a completed run',
      reached: ALL_DONE,
      from: 'b',
      rerun: ['b', 'c'],
      kept: ['a', 'd'],
      changed: [],
      definitionChanged: false,
    },
    {
      title: 'adds the downstream of --from to what a failure already re-runs',
      reached: { a: 'completed', b: 'completed', c: 'completed', d: 'failed' },
      from: 'a',
      rerun: ['a', 'b', 'c', 'd'],
      kept: [],
      changed: [],
      definitionChanged: false,
    },
    {
      title: 're-runs an outdated completed step (what it checked moved) and its downstream',
      reached: ALL_DONE,
      outdated: { b: 'feature moved since the check: a1b2c3d → d4e5f6a' },
      rerun: ['b', 'c'],
      kept: ['a', 'd'],
      changed: [],
      definitionChanged: false,
    },
  ])('$title', ({ reached, now, from, outdated, rerun, kept, changed, definitionChanged }) => {
    const loaded = planWorkflow(workflowOf(now ?? BEFORE));
    const plan = planResume(runThatReached(reached), loaded, from, outdated);
    expect(plan).toEqual({ rerun, kept, changed, definitionChanged, outdated: outdated ?? {} });
  });
});

describe('collectResumeState', () => {
  it('hands the resumed session the kept outputs, first starts, tensions and time of the earlier ones', () => {
    const state = runThatReached({ a: 'completed', b: 'failed', d: 'interrupted' });
    // d's definition changed: it starts afresh, its earlier start forgotten.
    const plan = planResume(
      state,
      planWorkflow(workflowOf(['a:', 'b: a', 'c: b', 'd*:'])),
      undefined,
    );
    expect(plan).toMatchObject({ kept: ['a'], rerun: ['b', 'c', 'd'], changed: ['d'] });
    const resume = collectResumeState(state, plan);
    expect(resume.kept).toEqual(new Map([['a', { from: 'a' }]]));
    expect(resume.firstStartedAt).toEqual(new Map([['b', timestampOf(4)]]));
    expect(resume.hadTension).toEqual(new Set(['b']));
    // The crashed session ran from its first event (seq 1) to its last (seq 8).
    expect(resume.priorRunningMs).toBe(7000);
  });
});
