// Where a run lives on disk: `<workspace>/.mia/runs/<run-id>/…` (contract section 1), and new run ids.

import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { MiaError } from '../errors.js';
import { isRunId, isRunStepId, isStepId } from '../util/names.js';

/** File name of a run's event log inside its run directory. */
export const EVENTS_FILE = 'events.jsonl';

/** The folder holding every run of a workspace. */
export function getRunsDir(workspace: string): string {
  return join(workspace, '.mia', 'runs');
}

/**
 * The folder of one run. Refuses a run id that is not a plain name (`../x`, `a/b`, `%2F`, NUL,
 * an absolute path, the empty string) with code MIA_STORE_BAD_RUN_ID, so an id can never
 * point outside the runs folder.
 */
export function getRunDir(workspace: string, runId: string): string {
  if (!isRunId(runId)) {
    throw new MiaError('MIA_STORE_BAD_RUN_ID', `Invalid run id ${JSON.stringify(runId)}.`, {
      hint: 'A run id is letters, digits, "-" and "_" (like 20261123-172200-3f9a1c); `mia workflow runs` lists them.',
    });
  }
  return join(getRunsDir(workspace), runId);
}

/** The append-only event log of a run. */
export function getEventsPath(workspace: string, runId: string): string {
  return join(getRunDir(workspace, runId), EVENTS_FILE);
}

/** The folder of a run's step logs. */
export function getLogsDir(workspace: string, runId: string): string {
  return join(getRunDir(workspace, runId), 'logs');
}

/**
 * The full stdout/stderr of one step or matrix leg (all attempts); a leg's id is encoded into a
 * safe file name (toStepFileStem). Refuses an invalid id (MIA_STORE_BAD_STEP_ID).
 */
export function getStepLogPath(workspace: string, runId: string, stepId: string): string {
  if (!isRunStepId(stepId)) {
    throw new MiaError('MIA_STORE_BAD_STEP_ID', `Invalid step id ${JSON.stringify(stepId)}.`, {
      hint: 'A step id is lowercase letters, digits, "-" and "_", starting with a letter or digit; a matrix leg\'s is `<step>(<values>)`, as `mia workflow status` shows it.',
    });
  }
  return join(getLogsDir(workspace, runId), `${toStepFileStem(stepId)}.log`);
}

/** The run told as a story. */
export function getStoryPath(workspace: string, runId: string): string {
  return join(getRunDir(workspace, runId), 'story.md');
}

/**
 * A new run id, `YYYYMMDD-HHMMSS-xxxxxx`: the UTC date and time of `now` then 6 random hex
 * characters. Ids sort by time to the second; the random part keeps them unique.
 */
export function createRunId(now: Date = new Date()): string {
  const iso = now.toISOString();
  const date = iso.slice(0, 10).replaceAll('-', '');
  const time = iso.slice(11, 19).replaceAll(':', '');
  return `${date}-${time}-${randomBytes(3).toString('hex')}`;
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
