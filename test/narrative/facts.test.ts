// The facts beats tell from a step's outputs.

import { describe, expect, it } from 'vitest';
import { mergePrAction } from '../../src/actions/story/merge-pr.js';
import { describeOutputFacts } from '../../src/narrative/facts.js';

describe('the facts of merge-pr', () => {
  const sha = 'a1e5b86f0c0ffee0c0ffee0c0ffee0c0ffee0c0f';

  it('tells a tested commit found on into as held there, not as a branch merged before the run', () => {
    const facts = describeOutputFacts(mergePrAction, {
      mode: 'local',
      branch: 'feature',
      into: 'main',
      sha,
      merged: true,
      alreadyMerged: true,
      landing: 'already',
      tested: true,
    });
    expect(facts.map((fact) => fact.text)).toEqual(['main already held the tested commit a1e5b86']);
  });

  it('tells a branch merged before, without a tested commit, as already merged', () => {
    const facts = describeOutputFacts(mergePrAction, {
      branch: 'feature',
      into: 'main',
      sha,
      alreadyMerged: true,
      tested: false,
    });
    expect(facts.map((fact) => fact.text)).toEqual([
      'feature into main was already merged (a1e5b86)',
    ]);
  });
});
