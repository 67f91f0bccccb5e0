// planDryRun: each step's verdict and why, worked out without running or writing anything.

import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBuiltinRegistry } from '../../src/actions/builtin.js';
import type { ResolvedStep } from '../../src/definition/types.js';
import { type DryRunStep, planDryRun } from '../../src/engine/dry-run.js';
import { buildPlan } from '../../src/plan/plan.js';
import { makeResolvedStep, makeResolvedWorkflow } from '../helpers/resolved-workflow.js';

const shell = (id: string, dependsOn: string[], overrides: Partial<ResolvedStep> = {}) =>
  makeResolvedStep(id, dependsOn, { action: 'shell', with: { run: 'true' }, ...overrides });
const cache = (inputs: string[], key = '') => ({ inputs, outputs: [], key });

async function judge(
  steps: ResolvedStep[],
  options: { runId?: string; kept?: Map<string, Record<string, unknown>>; noCache?: boolean } = {},
): Promise<DryRunStep | undefined> {
  const workflow = makeResolvedWorkflow(steps);
  const verdicts = await planDryRun({
    workspace: await mkdtemp(join(tmpdir(), 'mia-dry-')),
    workflow,
    plan: buildPlan(workflow),
    inputs: { deploy: 'no' },
    registry: createBuiltinRegistry(),
    kept: options.kept ?? new Map(),
    runId: options.runId,
    noCache: options.noCache ?? false,
  });
  return verdicts.at(-1);
}

describe('planDryRun', () => {
  it.each<[string, ResolvedStep[], Parameters<typeof judge>[1], Partial<DryRunStep>]>([
    ['a plain step runs', [shell('a', [])], {}, { verdict: 'runs' }],
    [
      'a false condition on inputs skips it',
      [shell('a', [], { when: "${{ inputs.deploy == 'yes' }}" })],
      {},
      { verdict: 'skipped', reason: expect.stringContaining('is false') },
    ],
    [
      'a condition on an upstream output is decided at run time',
      [shell('a', []), shell('b', ['a'], { when: '${{ steps.a.outputs.ok }}' })],
      {},
      { verdict: 'runtime', reason: 'its condition reads steps.a, known only at run time' },
    ],
    [
      'a condition on a kept step is decided now',
      [shell('a', []), shell('b', ['a'], { when: '${{ steps.a.outputs.ok }}' })],
      { runId: 'r', kept: new Map([['a', { ok: '' }]]) },
      { verdict: 'skipped' },
    ],
    [
      'a condition on the run id of a new run is decided at run time',
      [shell('a', [], { when: "${{ run.id != '' }}" })],
      {},
      { verdict: 'runtime', reason: expect.stringContaining('run.id') },
    ],
    [
      'a condition that cannot be evaluated is decided at run time, saying why',
      [shell('a', [], { when: '${{ fromJSON(inputs.deploy) }}' })],
      {},
      { verdict: 'runtime', reason: expect.stringContaining('cannot be evaluated') },
    ],
    [
      'a cache key on an upstream output is decided at run time',
      [shell('a', []), shell('b', ['a'], { cache: cache([], '${{ steps.a.outputs.v }}') })],
      {},
      { verdict: 'runtime', reason: expect.stringContaining('cache fingerprint reads steps.a') },
    ],
    [
      'cache inputs an upstream step may change first are decided at run time',
      [shell('a', []), shell('b', ['a'], { cache: cache(['src/**']) })],
      {},
      { verdict: 'runtime', reason: expect.stringContaining('step "a" may change first') },
    ],
    [
      'a cache without an entry runs',
      [shell('a', [], { cache: cache(['src/**']) })],
      {},
      { verdict: 'runs', reason: 'no cache entry' },
    ],
    [
      'a cached step runs under --no-cache, saying so',
      [shell('a', [], { cache: cache(['src/**']) })],
      { noCache: true },
      { verdict: 'runs', reason: 'the cache is off (--no-cache)' },
    ],
    [
      'a condition on a matrix value is decided at run time, leg by leg',
      [{ ...shell('a', [], { when: "${{ matrix.node == '20' }}" }) }],
      {},
      { verdict: 'runtime', reason: 'its condition reads matrix.node, known only at run time' },
    ],
    [
      'a matrix step with a cache is looked up leg by leg, at run time',
      [
        {
          ...shell('a', [], { cache: cache([]) }),
          strategy: {
            matrix: { node: ['20', '22'] },
            legs: undefined,
            keys: undefined,
            maxParallel: undefined,
            failFast: true,
          },
        },
      ],
      {},
      { verdict: 'runtime', reason: expect.stringContaining("each leg's cache") },
    ],
    [
      'a matrix computed from an upstream output is decided at run time',
      [
        shell('a', []),
        {
          ...shell('b', ['a']),
          strategy: { matrix: '${{ fromJSON(steps.a.outputs.list) }}' },
        } as ResolvedStep,
      ],
      {},
      { verdict: 'runtime', reason: expect.stringContaining('its matrix reads steps.a') },
    ],
  ])('%s', async (_what, steps, options, expected) => {
    expect(await judge(steps, options)).toMatchObject(expected);
  });
});
