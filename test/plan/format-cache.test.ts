// `mia workflow show` tells which steps have a cache, in text and in JSON.

import { describe, expect, it } from 'vitest';
import { formatPlanText, toPlanJson } from '../../src/plan/format.js';
import { buildPlan } from '../../src/plan/plan.js';
import { makeResolvedStep, makeResolvedWorkflow } from '../helpers/resolved-workflow.js';

describe('a plan with a cached step', () => {
  const cache = { inputs: ['src/**', 'package-lock.json'], outputs: ['dist'], key: 'v1' };
  const workflow = makeResolvedWorkflow([
    makeResolvedStep('build', [], { cache }),
    makeResolvedStep('ship', ['build'], { cache: { inputs: [], outputs: [], key: '' } }),
    makeResolvedStep('tell', ['ship']),
  ]);
  const plan = buildPlan(workflow);

  it('says so in text, with the inputs that key it', () => {
    const text = formatPlanText(plan, workflow);
    expect(text).toContain('build  wait (engineer) · cached (inputs: src/**, package-lock.json)');
    expect(text).toContain('ship   wait (engineer) · after build · cached (inputs: none)');
    expect(text).toMatch(/tell {3}wait \(engineer\) · after ship$/m);
  });

  it('gives the cache in JSON, null for a step without', () => {
    const steps = toPlanJson(plan, workflow).steps;
    expect(steps.map((step) => step.cache)).toEqual([
      cache,
      { inputs: [], outputs: [], key: '' },
      null,
    ]);
  });
});
