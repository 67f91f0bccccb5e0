// Decides which steps a resumed run re-runs and which keep their outputs (contract section 6).

import type { ResolvedWorkflow } from '../definition/types.js';
import { getDownstream } from '../plan/plan.js';
import { getPlan } from '../plan/plan-cache.js';
import type { RunState } from '../view/run-state.js';

export interface ResumePlan {
  rerun: string[];
  kept: string[];
  /** Steps re-run because their definition changed (or were added). */
  changed: string[];
  /** Completed steps re-run because what they checked moved since, with why. */
  outdated: Record<string, string>;
  definitionChanged: boolean;
}

/**
 * Completed steps whose definition is unchanged are kept; everything else runs, and so does
 * everything downstream of a changed or outdated step or of `from`.
 */
export function planResume(
  state: RunState,
  workflow: ResolvedWorkflow,
  from: string | undefined,
  outdated: Record<string, string> = {},
): ResumePlan {
  const previous = new Map(state.steps.map((step) => [step.id, step]));
  const changed = workflow.steps
    .filter((step) => previous.get(step.id)?.hash !== step.hash)
    .map((step) => step.id);
  const current = new Set(workflow.steps.map((step) => step.id));
  const removed = state.steps.some((step) => !current.has(step.id));
  const dependencyChanged = workflow.steps.some((step) => {
    const before = previous.get(step.id);
    return before !== undefined && before.depends_on.join('\0') !== step.dependsOn.join('\0');
  });

  const { dependents } = getPlan(workflow);
  const forced = getDownstream(
    [...changed, ...Object.keys(outdated), ...(from === undefined ? [] : [from])],
    dependents,
  );
  const rerun: string[] = [];
  const kept: string[] = [];
  for (const step of workflow.steps) {
    const isDone = state.stepStates.get(step.id)?.status === 'completed';
    if (isDone && !forced.has(step.id)) kept.push(step.id);
    else rerun.push(step.id);
  }
  return {
    rerun,
    kept,
    changed,
    outdated,
    definitionChanged: changed.length > 0 || removed || dependencyChanged,
  };
}
