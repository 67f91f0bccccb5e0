// Evaluates a step's expressions into what its action receives: `with`, env, and expression env vars.

import { chooseDefaultShell } from '../actions/engineer/script.js';
import type { ActionAdapter } from '../actions/types.js';
import {
  type ExpressionContext,
  interpolate,
  interpolateDeep,
  toShellSafeScript,
} from '../definition/expressions/evaluate.js';
import type { ResolvedStep, ShellName } from '../definition/types.js';

export interface StepInput {
  with: Record<string, unknown>;
  /** Expression values of shell fields, which the script reads as environment variables. */
  expressionEnv: Record<string, string>;
  env: Record<string, string>;
  /** The shell that runs the script of a step whose action runs one (the default made concrete). */
  shell?: ShellName;
}

/**
 * Shell fields (such as `run` of `shell`) keep expressions out of the script text: each becomes
 * a quoted reference to an environment variable. Other fields are interpolated as values.
 */
export function prepareStepInput(
  step: ResolvedStep,
  adapter: ActionAdapter,
  context: ExpressionContext,
): StepInput {
  const shellFields = new Set(adapter.shellFields ?? []);
  const withValues: Record<string, unknown> = {};
  const expressionEnv: Record<string, string> = {};
  for (const [key, value] of Object.entries(step.with)) {
    if (shellFields.has(key) && typeof value === 'string') {
      const safe = toShellSafeScript(
        value,
        context,
        `MIA_EXPR_${key.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}_`,
      );
      withValues[key] = safe.script;
      Object.assign(expressionEnv, safe.env);
    } else {
      withValues[key] = interpolateDeep(value, context);
    }
  }
  // The run's environment, read once when it started (context.env), not once per step.
  const env: Record<string, string> = { ...context.env };
  for (const [key, value] of Object.entries(step.env)) {
    const evaluated = interpolate(value, context);
    env[key] = typeof evaluated === 'string' ? evaluated : JSON.stringify(evaluated ?? '');
  }
  env.MIA_RUN_ID = context.run.id;
  env.MIA_WORKFLOW = context.workflow.name;
  env.MIA_STEP_ID = step.id;
  const input: StepInput = { with: withValues, expressionEnv, env };
  // Chosen here, on the PATH the step will have, so that its started event names it.
  if (step.shell !== undefined) {
    input.shell = step.shell === 'default' ? chooseDefaultShell(env.PATH) : step.shell;
  }
  return input;
}
