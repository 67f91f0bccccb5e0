// Resolved definitions built in memory, for tests of the engine that need no YAML.

import type { ResolvedStep, ResolvedWorkflow } from '../../src/definition/types.js';

/** A resolved `wait` step with no narrative, retry or condition, unless `overrides` say so. */
export function makeResolvedStep(
  id: string,
  dependsOn: string[] = [],
  overrides: Partial<ResolvedStep> = {},
): ResolvedStep {
  return {
    id,
    action: 'wait',
    universe: 'engineer',
    beat: undefined,
    tension: undefined,
    dependsOn,
    when: undefined,
    with: {},
    env: {},
    timeoutMs: undefined,
    retry: { attempts: 1, delayMs: 1000, backoff: 'fixed' },
    continueOnError: false,
    hash: id,
    position: undefined,
    ...overrides,
  };
}

/** The workflow `demo` of a workspace, holding `steps`. */
export function makeResolvedWorkflow(steps: ResolvedStep[]): ResolvedWorkflow {
  return {
    name: 'demo',
    narrative: 'The demo reaches its end',
    description: undefined,
    inputs: {},
    concurrency: undefined,
    source: { kind: 'workspace', path: '/w/.mia/workflows/demo.yaml' },
    extends: undefined,
    steps,
  };
}
