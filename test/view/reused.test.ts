// A step reused from the step cache, as the run view folds it and the page is given it.

import { describe, expect, it } from 'vitest';
import { toRunDetail } from '../../src/view/detail.js';
import { foldRunState } from '../../src/view/fold.js';
import { RunEvents } from '../helpers/run-events.js';

function reusedRun(cache: { hit: boolean; fingerprint: string; from?: string }) {
  return new RunEvents().start(['a:', 'b: a']).add('workflow.step.completed', {
    stepId: 'a',
    durationMs: 3,
    outputs: { built: 'yes' },
    attempt: 0,
    cache,
  });
}

describe('a step reused from the cache', () => {
  it('is completed, with its outputs and the run it was reused from, though it never started', () => {
    const state = foldRunState(reusedRun({ hit: true, fingerprint: 'f', from: 'run-1' }).events);
    expect(state.stepStates.get('a')).toMatchObject({
      status: 'completed',
      attempts: 0,
      outputs: { built: 'yes' },
      reusedFrom: 'run-1',
    });
  });

  it('carries the run it was reused from to the page, and nothing for a step that ran', () => {
    const detail = (cache: { hit: boolean; fingerprint: string; from?: string }) =>
      toRunDetail(foldRunState(reusedRun(cache).events), {
        isLive: true,
        levels: [['a'], ['b']],
        criticalPath: ['a', 'b'],
        getLogPath: (id) => `.mia/runs/x/logs/${id}.log`,
        root: { runId: 'x', prefix: '' },
      }).steps;
    expect(detail({ hit: true, fingerprint: 'f', from: 'run-1' })[0]?.reusedFrom).toBe('run-1');
    expect(detail({ hit: false, fingerprint: 'f' })[0]?.reusedFrom).toBeNull();
    expect(detail({ hit: false, fingerprint: 'f' })[1]?.reusedFrom).toBeNull();
  });
});
