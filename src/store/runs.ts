// The runs of a workspace: listed in time order, the last one, and a run id given by the user checked.

import { open, readdir, stat } from 'node:fs/promises';
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

/**
 * The id of the run the user started last (`--last`), or undefined when there is none. A chapter
 * (a run that a `workflow` step started) is never the last run: its parent is. Nor is a run that
 * never started (its process stopped before it wrote its first event): nothing of it ran.
 */
export async function findLastRunId(workspace: string): Promise<string | undefined> {
  const ids = await listRunIds(workspace);
  const known = new Set(ids);
  for (let i = ids.length - 1; i >= 0; i--) {
    const id = ids[i] as string;
    if (!(await isStartedRun(workspace, id))) continue;
    if (!(await isChapterRun(workspace, id, known))) return id;
  }
  return undefined;
}

/** Whether a run's log begins with a whole `workflow.started` event. */
async function isStartedRun(workspace: string, runId: string): Promise<boolean> {
  return (await readFirstEvent(getEventsPath(workspace, runId)))?.type === 'workflow.started';
}

/**
 * Whether a run is a chapter. A chapter's id is its parent's id and its step's (`<run>-<step>`),
 * so only an id that extends another run's is read, and then only its first event, which names
 * the parent of a chapter.
 */
export async function isChapterRun(
  workspace: string,
  runId: string,
  known: ReadonlySet<string>,
): Promise<boolean> {
  const extendsAnother = [...runId.matchAll(/-/g)].some((dash) =>
    known.has(runId.slice(0, dash.index)),
  );
  if (!extendsAnother) return false;
  const event = await readFirstEvent(getEventsPath(workspace, runId));
  return event?.type === 'workflow.started' && event.payload?.parent !== undefined;
}

/** The first event of a log, as far as it is read here (undefined when it is not whole JSON). */
async function readFirstEvent(
  path: string,
): Promise<{ type?: string; payload?: { parent?: unknown } } | undefined> {
  try {
    return JSON.parse(await readFirstLine(path)) as {
      type?: string;
      payload?: { parent?: unknown };
    };
  } catch {
    return undefined;
  }
}

/** The first line of a file, read in chunks (the first event of a big workflow is long). */
async function readFirstLine(path: string): Promise<string> {
  const handle = await open(path, 'r').catch(() => undefined);
  if (!handle) return '';
  try {
    const chunks: Buffer[] = [];
    const buffer = Buffer.alloc(64 * 1024);
    for (let position = 0; ; ) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      const end = buffer.subarray(0, bytesRead).indexOf(0x0a);
      chunks.push(Buffer.from(buffer.subarray(0, end < 0 ? bytesRead : end)));
      if (end >= 0 || bytesRead === 0) break;
      position += bytesRead;
    }
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    await handle.close();
  }
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
