// The data a run's expressions read: built once per run and kept up to date as steps settle.

import type { ExpressionContext } from '../definition/expressions/evaluate.js';

/** How a settled step looks to the expressions of the steps after it. */
export interface SettledView {
  status: string;
  outputs?: Record<string, unknown>;
}

/**
 * The expression context of a run. `steps` starts with the steps kept from before a resume and
 * grows with recordSettled; `env` is the process environment when the run starts. One object
 * serves every step, so a step costs the same whatever the size of the run.
 */
export function createRunContext(options: {
  inputs: Record<string, string>;
  runId: string;
  workflowName: string;
  kept: ReadonlyMap<string, Record<string, unknown>>;
}): ExpressionContext {
  const steps: ExpressionContext['steps'] = {};
  for (const [id, outputs] of options.kept) steps[id] = { status: 'completed', outputs };
  return {
    inputs: options.inputs,
    steps,
    env: readProcessEnv(),
    run: { id: options.runId },
    workflow: { name: options.workflowName },
  };
}

/** The context of one step: a matrix leg's adds its values as `matrix` (the run's `steps` shared). */
export function getStepContext(
  context: ExpressionContext,
  step: { matrix?: ExpressionContext['matrix'] },
): ExpressionContext {
  return step.matrix === undefined ? context : { ...context, matrix: step.matrix };
}

/** Makes a settled step (its status, and the outputs it produced, failed or not) visible to expressions. */
export function recordSettled(context: ExpressionContext, id: string, view: SettledView): void {
  context.steps[id] = { status: view.status, outputs: view.outputs ?? {} };
}

/** The process environment, without unset variables. */
export function readProcessEnv(): Record<string, string> {
  // Built in one go (not key by key) so that V8 keeps it a fast object: each step copies it.
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] => entry[1] !== undefined,
    ),
  );
}
