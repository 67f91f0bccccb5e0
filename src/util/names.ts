// Path-safe names: workflow names, step ids and run ids become file names, so they are checked.

import { createHash } from 'node:crypto';

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

const FILE_NAME_SAFE = /[A-Za-z0-9_(),-]/;
const MAX_FILE_STEM = 200;

/**
 * The file name stem of a step's files (its log): a step id as it is; a leg id with every
 * character but letters, digits, `_ - ( ) ,` percent-encoded (UTF-8), so that no value (`/`,
 * `..`, `@scope/pkg`, spaces, unicode) can leave the folder or break the name. A stem longer than
 * 200 characters is cut and ends with a hash of the whole id, so it stays unique and short.
 */
export function toStepFileStem(id: string): string {
  if (isStepId(id)) return id;
  let stem = '';
  for (const char of id) {
    stem += FILE_NAME_SAFE.test(char)
      ? char
      : [...Buffer.from(char, 'utf8')]
          .map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)
          .join('');
  }
  if (stem.length <= MAX_FILE_STEM) return stem;
  const hash = createHash('sha256').update(id).digest('hex').slice(0, 16);
  return `${stem.slice(0, MAX_FILE_STEM - 17)}~${hash}`;
}
