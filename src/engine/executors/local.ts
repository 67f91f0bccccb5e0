// The local step executor: runs an attempt in this process by calling the step's action adapter
// (whose commands run as child process groups of this process).

import type { ActionRegistry } from '../../actions/registry.js';
import type { ActionContext } from '../../actions/types.js';
import type { ResolvedStep } from '../../definition/types.js';
import { getErrorOutputs, MiaError } from '../../errors.js';
import type { AttemptResult, StepExecutor } from './step-executor.js';

/** Runs every step it is given, here, through the actions of `registry`. */
export class LocalStepExecutor implements StepExecutor {
  readonly name = 'local';
  readonly #registry: ActionRegistry;

  constructor(registry: ActionRegistry) {
    this.#registry = registry;
  }

  accepts(): boolean {
    return true;
  }

  async runAttempt(step: ResolvedStep, context: ActionContext): Promise<AttemptResult> {
    const adapter = this.#registry.get(step.action);
    try {
      if (adapter === undefined) {
        throw new MiaError('MIA_ACTION_UNKNOWN', `Unknown action "${step.action}".`, {
          hint: 'Register the action, or load the workflow with the registry that has it.',
          isRetriable: false,
        });
      }
      const result = await adapter.run(context);
      return { status: 'completed', outputs: { ...(result?.outputs ?? {}) } };
    } catch (error) {
      return { status: 'failed', error, outputs: getErrorOutputs(error) ?? {} };
    }
  }
}
