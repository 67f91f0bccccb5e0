// `mia worker`'s service: opens a BullMQ worker for each label set that coordinators of this
// repository dispatch to and this worker's labels cover, and runs the attempts it takes, at most
// `concurrency` at once across all of them.

import { hostname } from 'node:os';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { ActionRegistry } from '../actions/registry.js';
import { createRedisClient, getConnectionOptions } from '../queue/connection.js';
import type { JobResult, StepJob, WorkerIdentity } from '../queue/protocol.js';
import { readRepoId } from '../queue/repository.js';
import {
  getCancelChannel,
  getCancelKey,
  getLabelSetsKey,
  getStreamKey,
  getWorkerKey,
  KEY_PREFIX,
  type QueueTimings,
} from '../queue/settings.js';
import { registerWorker } from '../queue/worker-registry.js';
import { getProcessMasker } from '../util/secrets.js';
import { CommitCheckouts } from './checkouts.js';
import { Leases } from './leases.js';
import { runJob } from './run-job.js';
import { StreamWriter } from './stream-writer.js';

export interface WorkerServiceOptions {
  url: string;
  labels: readonly string[];
  concurrency: number;
  /** The checkout of the repository this worker serves (its own working tree is left alone). */
  repoDir: string;
  registry: ActionRegistry;
  timings: QueueTimings;
  /** Something went wrong that the worker lives through (Redis unreachable for a while). */
  onProblem(message: string): void;
}

/** A running worker service. */
export interface WorkerService {
  identity: WorkerIdentity;
  repoId: string;
  /** Stops taking steps, stops those running (their attempts fail as lost) and disconnects. */
  stop(): Promise<void>;
}

/** Starts serving steps; resolves once the worker is registered. */
export async function startWorkerService(options: WorkerServiceOptions): Promise<WorkerService> {
  const { url, labels, concurrency, timings } = options;
  const repoId = await readRepoId(options.repoDir);
  const identity: WorkerIdentity = {
    id: `${hostname()}.${process.pid}`,
    host: hostname(),
    pid: process.pid,
  };
  const redis = createRedisClient(url);
  const subscriber = createRedisClient(url);
  const leases = new Leases(timings.lockMs, identity.id);
  const checkouts = new CommitCheckouts(options.repoDir);
  const workers = new Map<string, Worker>();
  const masker = getProcessMasker();
  let stopping = false;

  const register = () =>
    registerWorker(
      redis,
      repoId,
      { ...identity, labels: [...labels], concurrency },
      3 * timings.pollMs + 2000,
    ).catch(() => undefined);

  const processJob = async (
    job: Job<StepJob>,
    _token: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<{ status: string }> => {
    // A job that stalled was another worker's: never run it again (its attempt is "worker lost").
    if (job.stalledCounter > 0 || job.deferredFailure) throw new UnrecoverableError('worker lost');
    if (leases.size >= concurrency) throw Worker.RateLimitError();
    const jobId = String(job.id);
    const stop = leases.take(jobId, signal);
    updatePauses();
    // Cancelled by its run (a timeout, an interruption) before this worker took it.
    if ((await redis.exists(getCancelKey(repoId, jobId))) > 0) {
      leases.release(jobId);
      updatePauses();
      throw new UnrecoverableError('cancelled by its run');
    }
    const writer = new StreamWriter(redis, getStreamKey(repoId, jobId));
    try {
      writer.send({ kind: 'started', worker: identity });
      const result = await runJob(
        { registry: options.registry, checkouts, workerId: identity.id },
        job.data,
        writer,
        stop,
      );
      await writer.close({ kind: 'end', result: maskResult(result) });
      return { status: result.status };
    } finally {
      leases.release(jobId);
      updatePauses();
    }
  };

  const maskResult = (result: JobResult): JobResult =>
    JSON.parse(masker.mask(JSON.stringify(result))) as JobResult;

  // The machine's limit across every label set's worker: all pause while it is reached.
  const updatePauses = () => {
    const isFull = leases.size >= concurrency;
    for (const worker of workers.values()) {
      if (isFull && !worker.isPaused()) void worker.pause(true).catch(() => undefined);
      else if (!isFull && worker.isPaused() && !stopping) worker.resume();
    }
  };

  const serve = (labelSet: string) => {
    const set = labelSet === '' ? [] : labelSet.split(',');
    if (workers.has(labelSet) || !set.every((label) => labels.includes(label))) return;
    const worker = new Worker<StepJob>(`${repoId}@${labelSet}`, processJob, {
      connection: getConnectionOptions(url),
      prefix: KEY_PREFIX,
      concurrency,
      name: identity.id,
      lockDuration: timings.lockMs,
      stalledInterval: timings.stallIntervalMs,
      maxStalledCount: 0,
    });
    worker.on('error', (error) =>
      options.onProblem(`queue ${labelSet || '(no labels)'}: ${error.message}`),
    );
    worker.on('lockRenewalFailed', (jobIds) => {
      for (const jobId of jobIds) leases.lose(jobId, 'renewing its lock failed');
    });
    worker.on('locksRenewed', ({ jobIds }) => leases.renew(jobIds));
    workers.set(labelSet, worker);
    updatePauses();
  };

  const watchLabelSets = async () => {
    try {
      for (const labelSet of await redis.smembers(getLabelSetsKey(repoId))) serve(labelSet);
    } catch {
      // Redis unreachable: the BullMQ workers say so; look again at the next tick.
    }
  };

  await subscriber.subscribe(getCancelChannel(repoId));
  subscriber.on('message', (_channel: string, jobId: string) => leases.cancel(jobId));
  await register();
  await watchLabelSets();
  const timer = setInterval(
    () => {
      void register();
      void watchLabelSets();
    },
    Math.min(500, timings.pollMs),
  );

  return {
    identity,
    repoId,
    stop: async () => {
      stopping = true;
      clearInterval(timer);
      leases.cancelAll('the worker was stopped');
      // A close while Redis is down may never end: then the connections are cut instead.
      await Promise.all(
        [...workers.values()].map(async (worker) => {
          if (!(await endsWithin(worker.close(), 5000)))
            void worker.disconnect().catch(() => undefined);
        }),
      );
      leases.close();
      await endsWithin(redis.del(getWorkerKey(repoId, identity.id)), 1000);
      redis.disconnect();
      subscriber.disconnect();
    },
  };
}

/** Whether `promise` settles within `ms` (resolved or not). */
async function endsWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const ended = promise.then(
    () => true,
    () => true,
  );
  const result = await Promise.race([ended, late]);
  clearTimeout(timer);
  return result;
}
