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
