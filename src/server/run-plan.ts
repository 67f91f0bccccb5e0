// The plan of a recorded run, from the steps its `workflow.started`/`resumed` event lists (pure).

import { DefinitionError } from '../errors.js';
import type { StartedStep } from '../events/types.js';
import { buildPlan } from '../plan/plan.js';

/** Levels (each runs once the ones above are done) and the longest chain of dependent steps. */
export interface RunPlan {
  levels: string[][];
  criticalPath: string[];
}

/**
 * Plans a run's recorded steps with the same planner as `mia workflow show`. A recorded graph is
 * a DAG (it was validated before the run); if it is not, every step is one level and there is no
 * critical path.
 */
export function planRunSteps(steps: readonly StartedStep[]): RunPlan {
  if (steps.length === 0) return { levels: [], criticalPath: [] };
  try {
    const { levels, criticalPath } = buildPlan({
      steps: steps.map((step) => ({ id: step.id, dependsOn: step.depends_on })),
    });
    return { levels, criticalPath };
  } catch (error) {
    if (!(error instanceof DefinitionError)) throw error;
    return { levels: [steps.map((step) => step.id)], criticalPath: [] };
  }
}
