// Reads a run for the run view: its events, their fold, the live process that holds it (if any),
// and the run the user started above it (for a chapter).

import type { MiaEvent } from '../events/types.js';
import { foldRunState } from '../view/fold.js';
import type { RootRun } from '../view/gates.js';
import type { RunState } from '../view/run-state.js';
import { type RunLockHolder, readRunLock } from './lock.js';
import { getRunDir } from './paths.js';
import { readRunEvents } from './run-events.js';

/** A run read from disk: its events, their fold, and the live process that holds it, if any. */
export interface LoadedRun {
  events: MiaEvent[];
  state: RunState;
  /** The live process that holds a run in progress; undefined once it ended, or if it died. */
  owner: RunLockHolder | undefined;
  isLive: boolean;
}

/**
 * Reads a run's events and folds them (RunNotFoundError when it has no log, EventLogError when
 * the log is damaged).
 */
export async function readRunState(
  workspace: string,
  runId: string,
): Promise<{ events: MiaEvent[]; state: RunState }> {
  const { events } = await readRunEvents(workspace, runId);
  return { events, state: foldRunState(events) };
}

/** Reads one run, and the live process that holds it if it has not ended (see readRunState). */
export async function loadRun(workspace: string, runId: string): Promise<LoadedRun> {
  const { events, state } = await readRunState(workspace, runId);
  const owner =
    state.status === 'running' ? await readRunLock(getRunDir(workspace, runId)) : undefined;
  return { events, state, owner, isLive: owner !== undefined };
}

/**
 * The run the user started above `state` (itself, for a run that is not a chapter), and the gate
 * path prefix from it: a chapter's gates are answered, and the chapter resumed, through that run.
 * A parent that cannot be read any more (deleted) ends the climb at the last run that can.
 */
export async function findRootRun(workspace: string, state: RunState): Promise<RootRun> {
  let root: RootRun = { runId: state.runId, prefix: '' };
  let parent = state.parent;
  for (let depth = 0; parent && depth < 100; depth++) {
    const above = await readRunState(workspace, parent.runId).catch(() => undefined);
    if (!above) break;
    root = { runId: parent.runId, prefix: `${parent.stepId}/${root.prefix}` };
    parent = above.state.parent;
  }
  return root;
}
