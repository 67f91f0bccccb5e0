// How the steps of a run ended: what blocks a dependent, and the run's result once all have settled.

import type { ResolvedStep, ResolvedWorkflow } from '../definition/types.js';
import type { EndedRunStatus } from '../events/statuses.js';
import { isUnresolvedFailure } from '../view/run-state.js';

/** How a step ended, as its dependents see it. */
export type Settled =
  | {
      status: 'completed';
      outputs: Record<string, unknown>;
      /** Its beat as told (expressions evaluated). */
      beat?: string;
    }
  | {
      status: 'failed';
      continueOnError: boolean;
      outputs: Record<string, unknown>;
      /** Why it failed (what a matrix step's failure says of its failed leg). */
      message?: string;
    }
  | { status: 'skipped'; cause: 'condition' | 'upstream' }
  | { status: 'interrupted' };

/** How the execution of a run ended. */
export interface ExecuteResult {
  status: EndedRunStatus;
  failedSteps: string[];
  /** Each step's outputs by id (kept ones included; `{}` for a step that produced none). */
  outputs: Record<string, Record<string, unknown>>;
}

/** The dependency that keeps `step` from running: one that failed, was skipped or never ended. */
export function findBlocker(
  step: ResolvedStep,
  settled: ReadonlyMap<string, Settled>,
): { id: string; status: 'failed' | 'skipped' | 'interrupted' } | undefined {
  for (const dep of step.dependsOn) {
    const result = settled.get(dep);
    if (!result || result.status === 'interrupted') return { id: dep, status: 'interrupted' };
    if (result.status === 'failed' && !result.continueOnError) return { id: dep, status: 'failed' };
    if (result.status === 'skipped' && result.cause === 'upstream')
      return { id: dep, status: 'skipped' };
  }
  return undefined;
}

/** The result of a run whose scheduling has ended: interrupted unless every step settled. */
export function summarizeRun(
  workflow: ResolvedWorkflow,
  settled: ReadonlyMap<string, Settled>,
  isAborted: boolean,
): ExecuteResult {
  const failedSteps = [...settled].filter(([, s]) => isUnresolvedFailure(s)).map(([id]) => id);
  const outputs: ExecuteResult['outputs'] = {};
  for (const step of workflow.steps) {
    const result = settled.get(step.id);
    outputs[step.id] = result && 'outputs' in result ? result.outputs : {};
  }
  const isComplete = workflow.steps.every((step) => settled.has(step.id));
  if (isAborted || !isComplete || [...settled.values()].some((s) => s.status === 'interrupted')) {
    return { status: 'interrupted', failedSteps, outputs };
  }
  return { status: failedSteps.length > 0 ? 'failed' : 'completed', failedSteps, outputs };
}
