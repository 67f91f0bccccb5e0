// Follows one remote attempt to its end: reads its stream (the worker's start, its output, its
// end) as it comes, and checks now and then that the queue still holds a live attempt, so that a
// worker that died is told as "worker lost" rather than waited on forever.

import type { Redis } from 'ioredis';
import type { StepLog } from '../actions/types.js';
import { MiaError } from '../errors.js';
import { decodeRecord, type JobResult, type WorkerIdentity } from './protocol.js';

/** What the watch asks of the queue about the attempt's job. */
export interface JobProbe {
  /** Why the job can no longer end by itself (its worker lost), or undefined while it can. */
  findLoss(): Promise<string | undefined>;
}

export interface AttemptWatchOptions {
  /** A client of its own: reading blocks it. */
  reader: Redis;
  key: string;
  log: StepLog;
  probe: JobProbe;
  pollMs: number;
  /** A read or check of Redis not answered this long fails the watch (Redis unreachable). */
  unreachableMs: number;
  /** Told once, when a worker takes the attempt. */
  onStarted(worker: WorkerIdentity): void;
  /** Aborted when the engine stops the attempt: the watch still reads on, up to `graceMs`. */
  signal: AbortSignal;
  graceMs: number;
}

/** Reads the attempt's stream to its end record; a lost attempt ends as a `MIA_WORKER_LOST` failure. */
export async function watchAttempt(options: AttemptWatchOptions): Promise<JobResult> {
  const { reader, key, log, probe, pollMs } = options;
  let lastId = '0-0';
  let worker: WorkerIdentity | undefined;
  let nextProbeAt = Date.now() + pollMs;
  let stoppedAt: number | undefined;
  for (;;) {
    if (options.signal.aborted) {
      stoppedAt ??= Date.now();
      if (Date.now() - stoppedAt > options.graceMs) {
        return { status: 'failed', outputs: {}, error: { message: 'stopped', isRetriable: false } };
      }
    }
    const block = Math.min(pollMs, 1000);
    const reading = reader.xread('COUNT', 512, 'BLOCK', block, 'STREAMS', key, lastId);
    const read = (await withDeadline(reading, block + options.unreachableMs)) as Array<
      [string, Array<[string, string[]]>]
    > | null;
    const taken: string[] = [];
    for (const [id, fields] of read?.[0]?.[1] ?? []) {
      lastId = id;
      const record = decodeRecord(fields);
      if (record?.kind === 'started') {
        worker = record.worker;
        options.onStarted(record.worker);
      } else if (record?.kind === 'out' || record?.kind === 'info') {
        if (record.kind === 'out') log.write(record.stream, record.data);
        else log.info(record.text);
        taken.push(id);
      } else if (record?.kind === 'end') return record.result;
    }
    // Output handed to the log leaves Redis: memory stays bounded by what is not yet read, and an
    // adopting coordinator does not write it twice. The start and the end stay for adoption.
    if (taken.length > 0) void reader.xdel(key, ...taken).catch(() => undefined);
    if (Date.now() < nextProbeAt) continue;
    nextProbeAt = Date.now() + pollMs;
    const loss = await withDeadline(probe.findLoss(), options.unreachableMs);
    // Its end may have come in since the last read: look once more before calling it lost.
    if (loss !== undefined && !(await hasEnd(reader, key, lastId))) return lostResult(worker, loss);
  }
}

async function hasEnd(reader: Redis, key: string, after: string): Promise<boolean> {
  const rest = (await reader.xrange(key, `(${after}`, '+')) as Array<[string, string[]]>;
  return rest.some(([, fields]) => decodeRecord(fields)?.kind === 'end');
}

function lostResult(worker: WorkerIdentity | undefined, why: string): JobResult {
  const who = worker
    ? `worker ${worker.id} (host ${worker.host}, pid ${worker.pid})`
    : 'its worker';
  const error = new MiaError(
    'MIA_WORKER_LOST',
    `Worker lost: ${who} stopped answering while it ran the step (${why}).`,
    {
      hint: 'The worker was killed, crashed or lost Redis; the step retries by its `retry` policy, or runs again on resume.',
    },
  );
  return {
    status: 'failed',
    outputs: {},
    error: { message: error.message, code: error.code, hint: error.hint ?? '', isRetriable: true },
  };
}

/** `promise`, or a rejection once `ms` have passed without its answer. */
async function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer for ${Math.round(ms / 1000)} s`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
