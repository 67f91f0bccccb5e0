// `GET /api/…/runs/:id/steps/:step/log?offset=N[&limit=M]`: a step's full log, read from its file
// a bounded chunk at a time (the events carry only the first MiB of each attempt's output).

import { access } from 'node:fs/promises';
import { relative } from 'node:path';
import { RunNotFoundError } from '../errors.js';
import { getEventsPath, getStepLogPath } from '../store/paths.js';
import { readLogRange } from '../store/step-log-file.js';
import { ApiFailure } from './http.js';
import type { StepLogChunk } from './protocol.js';

/** The most bytes one call reads (and the default). */
export const LOG_CHUNK_BYTES = 256 * 1024;

/** Reads the chunk of a step's log that `query` asks for (`offset`, default 0; `limit`). */
export async function readStepLog(
  workspace: string,
  runId: string,
  stepId: string,
  query: URLSearchParams,
): Promise<StepLogChunk> {
  const path = getStepLogPath(workspace, runId, stepId);
  try {
    await access(getEventsPath(workspace, runId));
  } catch {
    throw new RunNotFoundError(`No run ${runId}.`, 'GET /api/workflow/runs lists the runs.');
  }
  const offset = parseBytes(query, 'offset', { min: 0, max: Number.MAX_SAFE_INTEGER, absent: 0 });
  // At least 4 bytes, so that a read always holds a whole character and moves on.
  const limit = parseBytes(query, 'limit', {
    min: 4,
    max: LOG_CHUNK_BYTES,
    absent: LOG_CHUNK_BYTES,
  });
  try {
    const range = await readLogRange(path, offset, limit);
    return { runId, stepId, logPath: relative(workspace, path), ...range };
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new ApiFailure(
      416,
      'MIA_SERVER_BAD_OFFSET',
      `Cannot read the log of ${stepId} from there: ${error.message}.`,
      'Read from 0, or from the nextOffset of the previous answer.',
    );
  }
}

/** A whole number of bytes from the query, `min` to `max` (`absent` when it is not given). */
function parseBytes(
  query: URLSearchParams,
  name: string,
  { min, max, absent }: { min: number; max: number; absent: number },
): number {
  const value = query.get(name);
  if (value === null) return absent;
  const bytes = Number(value);
  if (!/^\d+$/.test(value) || bytes < min || bytes > max) {
    throw new ApiFailure(
      400,
      'MIA_SERVER_BAD_OFFSET',
      `?${name}=${JSON.stringify(value)} is not a whole number of bytes from ${min} to ${max}.`,
      `For example ?${name}=${absent}.`,
    );
  }
  return bytes;
}
