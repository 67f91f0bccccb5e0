// The runs of a workspace: listed in time order, the last one, and a run id given by the user checked.

import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { RunNotFoundError } from '../errors.js';
import { isRunId } from '../util/names.js';
import { EVENTS_FILE, getEventsPath, getRunsDir } from './paths.js';

const RUNS_HINT = '`mia workflow runs` lists the runs of this workspace.';
const RUN_ID_SECOND = /^\d{8}-\d{6}-/;

interface RunEntry {
  id: string;
  createdMs: number;
}

/**
 * The ids of the workspace's runs, oldest first. Ids sort by time to the second; runs started in
 * the same second are ordered by when their event log was created. Entries that are not runs
 * (other files, folders without an event log) are ignored.
 */
export async function listRunIds(workspace: string): Promise<string[]> {
  const runsDir = getRunsDir(workspace);
  let names: string[];
  try {
    names = await readdir(runsDir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw error;
  }
  const entries = await Promise.all(
    names.filter(isRunId).map(async (id): Promise<RunEntry | undefined> => {
      try {
        const stats = await stat(join(runsDir, id, EVENTS_FILE));
        return stats.isFile() ? { id, createdMs: stats.birthtimeMs } : undefined;
      } catch {
        return undefined;
      }
    }),
  );
  return entries
    .filter((entry): entry is RunEntry => entry !== undefined)
    .sort(compareRuns)
    .map((entry) => entry.id);
}

/** The id of the workspace's most recent run, or undefined when it has none. */
export async function findLastRunId(workspace: string): Promise<string | undefined> {
  return (await listRunIds(workspace)).at(-1);
}

/**
 * The run a command is about: `runId` when given (RunNotFoundError when no such run exists,
 * MIA_STORE_BAD_RUN_ID when it is not a run id at all), else the last run (RunNotFoundError
 * when there is none).
 */
export async function resolveRunId(workspace: string, runId?: string): Promise<string> {
  if (runId === undefined) {
    const last = await findLastRunId(workspace);
    if (last === undefined) {
      throw new RunNotFoundError(
        `No runs in ${workspace} yet.`,
        'Start one with `mia workflow run <name>`.',
      );
    }
    return last;
  }
  const path = getEventsPath(workspace, runId);
  const isRun = await stat(path).then(
    (stats) => stats.isFile(),
    () => false,
  );
  if (!isRun) throw new RunNotFoundError(`No run ${runId} in ${workspace}.`, RUNS_HINT);
  return runId;
}

function compareRuns(a: RunEntry, b: RunEntry): number {
  const isSameSecond = RUN_ID_SECOND.test(a.id) && a.id.slice(0, 15) === b.id.slice(0, 15);
  if (isSameSecond && a.createdMs !== b.createdMs) return a.createdMs - b.createdMs;
  if (a.id === b.id) return 0;
  return a.id < b.id ? -1 : 1;
}
