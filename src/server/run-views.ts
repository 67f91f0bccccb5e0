// A run as the HTTP API shows it (RunListItem, RunDetail): read from disk, then made by the run
// view (src/view/), as every other surface makes it.

import { relative } from 'node:path';
import pLimit from 'p-limit';
import { findRootRun, type LoadedRun, loadRun } from '../store/load-run.js';
import { getStepLogPath } from '../store/paths.js';
import { listRunIds } from '../store/runs.js';
import { toRunDetail as makeRunDetail } from '../view/detail.js';
import { toListItem } from '../view/summary.js';
import type { RunDetail, RunListItem } from './protocol.js';
import { planRunSteps } from './run-plan.js';

/** Logs read at once, at most, to list the runs. */
const MAX_READS_AT_ONCE = 16;

/** Every readable run of the workspace, newest first (unreadable runs are left out). */
export async function listRunItems(workspace: string): Promise<RunListItem[]> {
  const ids = (await listRunIds(workspace)).reverse();
  // A few logs at once: thousands of runs read together would use up the open files, and a run
  // whose log could not be opened would be missing from the list.
  const limit = pLimit(MAX_READS_AT_ONCE);
  const items = await Promise.all(
    ids.map((runId) =>
      limit(() => loadRun(workspace, runId)).then(
        (run) => toListItem(run.state, run.isLive),
        () => undefined,
      ),
    ),
  );
  return items.filter((item): item is RunListItem => item !== undefined);
}

/** The run with its steps, plan, tensions and current reality. */
export async function toRunDetail(run: LoadedRun, workspace: string): Promise<RunDetail> {
  const { state } = run;
  return makeRunDetail(state, {
    isLive: run.isLive,
    ...planRunSteps(state.steps),
    getLogPath: (stepId) => relative(workspace, getStepLogPath(workspace, state.runId, stepId)),
    root: await findRootRun(workspace, state),
  });
}
