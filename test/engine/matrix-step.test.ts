// Running a matrix step's legs through the scheduler's seam: expansion at run time (and what
// makes it fail), fail_fast, max_parallel, kept legs, and the outputs gathered for dependents.

import { describe, expect, it } from 'vitest';
import type { ExpressionContext } from '../../src/definition/expressions/evaluate.js';
import { resolveStrategy } from '../../src/definition/legs.js';
import type { ResolvedStep } from '../../src/definition/types.js';
import {
  gatherLegOutputs,
  type MatrixStepScope,
  runMatrixLegs,
} from '../../src/engine/matrix-step.js';
import type { Settled } from '../../src/engine/settled.js';
import { makeResolvedStep } from '../helpers/resolved-workflow.js';

function contextWith(outputs: Record<string, unknown>): ExpressionContext {
  return {
    inputs: {},
    steps: { list: { status: 'completed', outputs } },
    env: {},
    run: { id: 'r' },
    workflow: { name: 'demo' },
  };
}

function matrixStep(strategy: Record<string, unknown>): ResolvedStep {
  return makeResolvedStep('t', ['list'], { strategy: resolveStrategy('t', strategy) });
}

/** A scope whose legs end as `endOf` says, recording what happened in order. */
function createScope(
  outputs: Record<string, unknown>,
  endOf: (leg: ResolvedStep) => Settled = () => ({ status: 'completed', outputs: {} }),
  kept: Record<string, Record<string, unknown>> = {},
) {
  const log: string[] = [];
  let running = 0;
  let most = 0;
  const scope: MatrixStepScope = {
    context: contextWith(outputs),
    signal: new AbortController().signal,
    kept: new Map(Object.entries(kept)),
    runLeg: async (leg) => {
      most = Math.max(most, ++running);
      log.push(`run ${leg.id}`);
      await new Promise((resolve) => setImmediate(resolve));
      running--;
      return endOf(leg);
    },
    failLeg: (leg, error) => {
      log.push(`fail ${leg.id}`);
      return { status: 'failed', continueOnError: false, outputs: {}, message: String(error) };
    },
    skipLeg: async (leg, reason) => {
      log.push(`skip ${leg.id}: ${reason}`);
      return { status: 'skipped', cause: 'upstream' };
    },
    settleLeg: async () => undefined,
  };
  return { scope, log, most: () => most };
}

describe('runMatrixLegs', () => {
  it.each<[string, Record<string, unknown>, Record<string, unknown>, string[]]>([
    [
      'one key from a JSON list',
      { matrix: { pkg: '${{ fromJSON(steps.list.outputs.pkgs) }}' } },
      { pkgs: '["a","@b/c"]' },
      ['t(a)', 't(@b/c)'],
    ],
    [
      'the whole matrix from a JSON mapping',
      { matrix: '${{ fromJSON(steps.list.outputs.m) }}' },
      { m: '{"x":[1,2],"include":[{"x":3}]}' },
      ['t(1)', 't(2)', 't(3)'],
    ],
    [
      'a key mixed with a written list',
      { matrix: { a: ['${{ steps.list.outputs.v }}', 'y'] } },
      { v: 'x' },
      ['t(x)', 't(y)'],
    ],
  ])('expands %s when the step is ready', async (_title, strategy, outputs, legs) => {
    const { scope, log } = createScope(outputs);
    const outcome = await runMatrixLegs(matrixStep(strategy), scope);
    expect(outcome.kind).toBe('ended');
    expect(log).toEqual(legs.map((id) => `run ${id}`));
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['an empty list', { pkgs: '[]' }, /evaluated to \{"pkg":\[\]\}: .*"pkg" is an empty list/],
    ['a value that is no list', { pkgs: '"a"' }, /"pkg" must be a list of values/],
    [
      'a list of mappings',
      { pkgs: '[{"a":1}]' },
      /a matrix value is a string, a number or a boolean/,
    ],
    [
      'too many legs',
      { pkgs: JSON.stringify(Array.from({ length: 300 }, (_, i) => i)) },
      /more than 256 legs/,
    ],
    ['a value with a newline', { pkgs: '["a\\nb"]' }, /cannot hold control characters/],
    ['text that is no JSON', { pkgs: 'not json' }, /cannot be evaluated/],
  ])('fails the step, saying why, for %s', async (_title, outputs, message) => {
    const { scope, log } = createScope(outputs);
    const outcome = await runMatrixLegs(
      matrixStep({ matrix: { pkg: '${{ fromJSON(steps.list.outputs.pkgs) }}' } }),
      scope,
    );
    expect(outcome.kind).toBe('invalid');
    expect(outcome.kind === 'invalid' && outcome.error.code).toBe('MIA_MATRIX_INVALID');
    expect(outcome.kind === 'invalid' && outcome.error.message).toMatch(message);
    expect(log).toEqual([]);
  });

  it('cancels the legs not yet started once a leg fails, under fail_fast', async () => {
    const failing = (leg: ResolvedStep): Settled =>
      leg.id === 't(2)'
        ? { status: 'failed', continueOnError: false, outputs: {} }
        : { status: 'completed', outputs: {} };
    const { scope, log } = createScope({}, failing);
    await runMatrixLegs(matrixStep({ matrix: { n: [1, 2, 3, 4] }, max_parallel: 1 }), scope);
    expect(log).toEqual([
      'run t(1)',
      'run t(2)',
      'skip t(3): fail_fast: leg "t(2)" failed, so this leg was cancelled before it started',
      'skip t(4): fail_fast: leg "t(2)" failed, so this leg was cancelled before it started',
    ]);
  });

  it('runs every leg with fail_fast: false, and no more at once than max_parallel', async () => {
    const { scope, log, most } = createScope({}, () => ({
      status: 'failed',
      continueOnError: false,
      outputs: {},
    }));
    await runMatrixLegs(
      matrixStep({ matrix: { n: [1, 2, 3, 4, 5] }, max_parallel: 2, fail_fast: false }),
      scope,
    );
    expect(log).toHaveLength(5);
    expect(most()).toBe(2);
  });

  it('does not run a kept leg again, and gathers its kept outputs with the others', async () => {
    const { scope, log } = createScope(
      {},
      (leg) => ({ status: 'completed', outputs: { v: leg.matrix?.n } }),
      { 't(1)': { v: 'kept' } },
    );
    const outcome = await runMatrixLegs(matrixStep({ matrix: { n: [1, 2] } }), scope);
    expect(log).toEqual(['run t(2)']);
    expect(outcome.kind === 'ended' && gatherLegOutputs(outcome.legs)).toEqual({ v: ['kept', 2] });
  });
});

describe('gatherLegOutputs', () => {
  it('lists each output name with one value per leg, null where a leg gave none', () => {
    expect(
      gatherLegOutputs([
        { result: { status: 'completed', outputs: { a: 1 } } },
        { result: { status: 'skipped', cause: 'condition' } },
        { result: { status: 'failed', continueOnError: true, outputs: { a: 3, b: 'x' } } },
      ]),
    ).toEqual({ a: [1, null, 3], b: [null, null, 'x'] });
  });
});
