import { describe, expect, it } from 'vitest';
import { findBlocker, type Settled, summarizeRun } from '../../src/engine/settled.js';
import { makeResolvedStep, makeResolvedWorkflow } from '../helpers/resolved-workflow.js';

function makeWorkflow(ids: string[]) {
  return makeResolvedWorkflow(ids.map((id) => makeResolvedStep(id)));
}

const completed: Settled = { status: 'completed', outputs: {} };

describe('findBlocker', () => {
  it.each<[string, Settled | undefined, ReturnType<typeof findBlocker>]>([
    ['a completed dependency blocks nothing', completed, undefined],
    [
      'a dependency that never ended counts as interrupted',
      undefined,
      { id: 'a', status: 'interrupted' },
    ],
    ['an interrupted dependency', { status: 'interrupted' }, { id: 'a', status: 'interrupted' }],
    [
      'a failed dependency',
      { status: 'failed', continueOnError: false, outputs: {} },
      { id: 'a', status: 'failed' },
    ],
    [
      'a failure allowed to continue blocks nothing',
      { status: 'failed', continueOnError: true, outputs: {} },
      undefined,
    ],
    [
      'a dependency skipped for its upstream',
      { status: 'skipped', cause: 'upstream' },
      { id: 'a', status: 'skipped' },
    ],
    [
      'a dependency skipped by its condition blocks nothing',
      { status: 'skipped', cause: 'condition' },
      undefined,
    ],
  ])('%s', (_title, dependency, expected) => {
    const settled = new Map<string, Settled>();
    if (dependency) settled.set('a', dependency);
    expect(findBlocker(makeResolvedStep('b', ['a']), settled)).toEqual(expected);
  });
});

describe('summarizeRun', () => {
  it('completes a run whose steps all settled without a blocking failure, with their outputs', () => {
    const settled = new Map<string, Settled>([
      ['a', { status: 'completed', outputs: { version: '1.2.3' } }],
      ['b', { status: 'failed', continueOnError: true, outputs: {} }],
    ]);
    expect(summarizeRun(makeWorkflow(['a', 'b']), settled, false)).toEqual({
      status: 'completed',
      failedSteps: [],
      outputs: { a: { version: '1.2.3' }, b: {} },
    });
  });

  it('fails a run, names the steps that failed and keeps what they produced', () => {
    const settled = new Map<string, Settled>([
      ['a', { status: 'failed', continueOnError: false, outputs: { exitCode: 3 } }],
      ['b', { status: 'skipped', cause: 'upstream' }],
    ]);
    expect(summarizeRun(makeWorkflow(['a', 'b']), settled, false)).toEqual({
      status: 'failed',
      failedSteps: ['a'],
      outputs: { a: { exitCode: 3 }, b: {} },
    });
  });

  it.each<[string, Map<string, Settled>, boolean]>([
    ['it was aborted', new Map([['a', completed]]), true],
    ['a step never settled', new Map(), false],
    ['a step was interrupted', new Map<string, Settled>([['a', { status: 'interrupted' }]]), false],
  ])('calls a run interrupted when %s', (_title, settled, isAborted) => {
    expect(summarizeRun(makeWorkflow(['a']), settled, isAborted).status).toBe('interrupted');
  });
});
