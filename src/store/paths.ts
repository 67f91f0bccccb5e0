// Where a run lives on disk: `<workspace>/.mia/runs/<run-id>/…` (contract section 1), and new run ids.

import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { MiaError } from '../errors.js';
import { isRunId, isRunStepId, toStepFileStem } from '../util/names.js';

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
