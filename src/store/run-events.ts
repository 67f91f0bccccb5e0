// A run's events read from its folder, and folded into its state: what `status` and resume start from.

import { RunNotFoundError } from '../errors.js';
import { foldRunState } from '../view/fold.js';
import type { RunState } from '../view/run-state.js';
import { type EventLogContents, readEvents } from './event-reader.js';
import { getEventsPath } from './paths.js';

/** Reads a run's events.jsonl; RunNotFoundError when the run has none. */
export async function readRunEvents(workspace: string, runId: string): Promise<EventLogContents> {
  try {
    return await readEvents(getEventsPath(workspace, runId));
  } catch (error) {
    if (error instanceof RunNotFoundError || (error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new RunNotFoundError(
        `There is no run ${runId} in this workspace.`,
        'List runs with `mia workflow runs`.',
      );
    }
    throw error;
  }
}

/**
 * Reads a run's events and folds them. A run without a final event says `running`: whether its
 * owner still lives is for the caller to ask (see markCrashed).
 */
export async function loadRunState(workspace: string, runId: string): Promise<RunState> {
  return foldRunState((await readRunEvents(workspace, runId)).events);
}
