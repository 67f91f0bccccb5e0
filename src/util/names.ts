// Path-safe names: workflow names, step ids and run ids become file names, so they are checked.

export const WORKFLOW_NAME_PATTERN = /^[a-z0-9][a-z0-9-]*$/;
export const STEP_ID_PATTERN = /^[a-z0-9][a-z0-9_-]*$/;
export const RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/** True when `name` is a valid workflow name (and so a safe file name). */
export function isWorkflowName(name: string): boolean {
  return WORKFLOW_NAME_PATTERN.test(name) && name.length <= 100;
}

/** True when `id` is a valid step id. */
export function isStepId(id: string): boolean {
  return STEP_ID_PATTERN.test(id) && id.length <= 100;
}

/** True when `id` is a valid run id (and so a safe directory name). */
export function isRunId(id: string): boolean {
  return RUN_ID_PATTERN.test(id);
}

/** Longest leg id taken: `<step>(<values>)` of a matrix step (the values may be long). */
export const MAX_LEG_ID_LENGTH = 1000;

/**
 * True when `id` is the id of a matrix leg, `<step-id>(<values>)`: a valid step id, then the
 * leg's values in parentheses (any text but control characters, which no value can carry safely).
 */
export function isLegId(id: string): boolean {
  const open = id.indexOf('(');
  if (open <= 0 || !id.endsWith(')') || id.length > MAX_LEG_ID_LENGTH) return false;
  return isStepId(id.slice(0, open)) && !/[\u0000-\u001f\u007f]/.test(id);
}

/** True when `id` names a step of a run: a step id or a matrix leg's id. */
export function isRunStepId(id: string): boolean {
  return isStepId(id) || isLegId(id);
}
