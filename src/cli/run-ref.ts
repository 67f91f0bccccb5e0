// Turns `<run-id>` or `--last` into a run id of this workspace.

import { UsageError } from '../errors.js';
import { getRunDir } from '../store/paths.js';
import { findLastRunId } from '../store/runs.js';

/** The run named, or the latest with `--last` (also when no id is given). */
export async function resolveRunId(
  workspace: string,
  runRef: string | undefined,
  isLast: boolean,
): Promise<string> {
  if (runRef !== undefined && isLast) {
    throw new UsageError(
      'Give a run id or --last, not both.',
      'For example: mia workflow status --last.',
    );
  }
  if (runRef !== undefined) {
    getRunDir(workspace, runRef);
    return runRef;
  }
  const last = await findLastRunId(workspace);
  if (last === undefined) {
    throw new UsageError(
      'There are no runs in this workspace yet.',
      'Start one with: mia workflow run <name>.',
    );
  }
  return last;
}
