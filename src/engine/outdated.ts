// On resume: completed steps whose result no longer holds because the repository moved since.

import type { ActionRegistry } from '../actions/registry.js';
import type { ResolvedWorkflow } from '../definition/types.js';
import type { RunState } from '../view/run-state.js';

/**
 * Asks each completed step's action whether its result still holds (`checkOutdated`, e.g. the
 * branches a test merged have moved since). Returns the reason for each step that does not.
 */
export async function findOutdatedSteps(
  state: RunState,
  workflow: ResolvedWorkflow,
  registry: ActionRegistry,
  workspace: string,
): Promise<Record<string, string>> {
  const env: Record<string, string | undefined> = { ...process.env };
  const outdated: Record<string, string> = {};
  for (const step of workflow.steps) {
    const check = registry.get(step.action)?.checkOutdated;
    if (check === undefined) continue;
    // A matrix step's results are its legs': one that no longer holds runs the step again.
    const results = step.strategy
      ? [...state.stepStates.values()].filter((leg) => leg.group === step.id)
      : [state.stepStates.get(step.id)];
    for (const done of results) {
      if (done?.status !== 'completed') continue;
      // A check that cannot tell (git missing, say) keeps the step, as a resume without it would.
      const reason = await check({ outputs: done.outputs, workdir: workspace, env }).catch(
        () => undefined,
      );
      if (reason === undefined) continue;
      outdated[step.id] = step.strategy ? `leg ${done.id}: ${reason}` : reason;
      break;
    }
  }
  return outdated;
}
