// The queue step executor: runs attempts on `mia worker`s through BullMQ. The coordinator keeps
// what must stay with the run (gates, `wait`, chapters, every step that changes its repository,
// `runs_on: local`), dispatches the rest with the commit it is at, and follows each attempt's
// stream back: the worker's start, live output, and the result, which it alone records.

import type { Redis } from 'ioredis';
import type { ActionContext } from '../actions/types.js';
import type { ResolvedStep } from '../definition/types.js';
import type { AttemptResult, StepExecutor } from '../engine/executors/step-executor.js';
import { MiaError } from '../errors.js';
import { KILL_GRACE_MS } from '../util/processes.js';
import { AttemptNumbers } from './attempt-numbers.js';
import { watchAttempt } from './attempt-watch.js';
import { createRedisClient, createUnreachableError, probeRedis } from './connection.js';
import { findJobLoss } from './job-loss.js';
import { type StepJob, toResultError } from './protocol.js';
import { CoordinatorQueues } from './queues.js';
import type { DispatchedRepository } from './repository.js';
import {
  getCancelChannel,
  getCancelKey,
  getJobId,
  getStreamKey,
  type QueueTimings,
} from './settings.js';
import { describeMissingWorker } from './worker-registry.js';

/** How long a cancelled attempt stays marked (a worker taking it later refuses it). */
const CANCEL_TTL_MS = 24 * 3600 * 1000;

/** Actions that run with the run's own process whatever `runs_on` says. */
export const HOME_ACTIONS: ReadonlySet<string> = new Set([
  'approve',
  'wait',
  'workflow',
  'merge-pr',
  'checkout',
  'request-review',
  'review-wait',
]);

export interface QueueExecutorOptions {
  url: string;
  repository: DispatchedRepository;
  timings: QueueTimings;
  /** Something the run lives through (Redis errors while reconnecting). */
  onProblem(message: string): void;
}

/**
 * Whether a step is dispatched to workers: not a home action, not `runs_on: local`, and without
 * a `cache:` whose `outputs` name files (those are saved and restored in the coordinator's
 * workspace, where a worker's step never writes them).
 */
export function isRemoteStep(step: ResolvedStep): boolean {
  if (step.cache !== undefined && step.cache.outputs.length > 0) return false;
  return !HOME_ACTIONS.has(step.action) && step.runsOn !== 'local';
}

/** Dispatches attempts to workers (see the module header). */
export class QueueStepExecutor implements StepExecutor {
  readonly name = 'queue';
  readonly announcesStart = true;
  readonly #options: QueueExecutorOptions;
  readonly #redis: Redis;
  readonly #queues: CoordinatorQueues;
  readonly #numbers = new AttemptNumbers();
  /** Clients for blocking reads, one per attempt being followed, kept for the next. */
  readonly #idleReaders: Redis[] = [];
  readonly #readers = new Set<Redis>();
  /** The last connection error of a client: what an unreachable Redis is reported with. */
  #lastError: Error | undefined;
  readonly #ended: string[] = [];

  /** Connects to the queue's Redis (failing fast when it is unreachable). */
  static async open(options: QueueExecutorOptions): Promise<QueueStepExecutor> {
    await probeRedis(options.url);
    return new QueueStepExecutor(options);
  }

  private constructor(options: QueueExecutorOptions) {
    this.#options = options;
    this.#redis = this.#connect();
    this.#queues = new CoordinatorQueues({
      ...options,
      repoId: options.repository.repoId,
      redis: this.#redis,
    });
  }

  accepts(step: ResolvedStep): boolean {
    return isRemoteStep(step);
  }

  async runAttempt(step: ResolvedStep, context: ActionContext): Promise<AttemptResult> {
    const { repository, timings } = this.#options;
    const labels = Array.isArray(step.runsOn) ? step.runsOn : [];
    const attempt = await this.#numbers.number(
      context.workdir,
      context.runId,
      step.id,
      context.attempt,
    );
    const jobId = getJobId(context.runId, step.id, step.hash, attempt);
    const key = getStreamKey(repository.repoId, jobId);
    const job: StepJob = {
      runId: context.runId,
      stepId: step.id,
      attempt,
      commit: repository.commit,
      workspacePath: repository.workspacePath,
      workflowName: context.expressions?.workflow.name ?? '',
      step,
      inputs: context.inputs,
      steps: pickReadSteps(step, context.expressions?.steps ?? {}),
      firstStartedAt: context.firstStartedAt.toISOString(),
    };
    const reader = this.#idleReaders.pop() ?? this.#connect();
    try {
      // A stream already there is an attempt dispatched before (by a coordinator that died): adopt it.
      if ((await this.#redis.exists(key)) === 0) await this.#queues.add(labels, jobId, job);
      else
        context.log.info(
          `adopting attempt ${attempt}, dispatched before the run's process stopped`,
        );
      const missing = await describeMissingWorker(this.#redis, repository.repoId, labels);
      if (missing !== undefined) context.log.info(missing);
      const onAbort = () => void this.#cancel(labels, jobId);
      context.signal.addEventListener('abort', onAbort, { once: true });
      const result = await watchAttempt({
        reader,
        key,
        log: context.log,
        probe: { findLoss: () => findJobLoss(this.#queues, labels, jobId) },
        pollMs: timings.pollMs,
        unreachableMs: timings.unreachableMs,
        onStarted: (worker) => context.announceStart?.({ worker }),
        signal: context.signal,
        graceMs: KILL_GRACE_MS,
      }).finally(() => context.signal.removeEventListener('abort', onAbort));
      this.#ended.push(key);
      this.#idleReaders.push(reader);
      if (result.status === 'completed') return result;
      return { status: 'failed', error: toResultError(result), outputs: result.outputs };
    } catch (error) {
      reader.disconnect();
      this.#readers.delete(reader);
      const cause =
        error instanceof MiaError
          ? error
          : createUnreachableError(this.#options.url, this.#lastError ?? error);
      return { status: 'failed', error: cause, outputs: {} };
    }
  }

  /**
   * Stops an attempt the engine gave up on (a timeout, an interruption): marked cancelled (a
   * worker that takes it later refuses it), removed when still waiting, and its worker told to
   * kill it when running.
   */
  async #cancel(labels: readonly string[], jobId: string): Promise<void> {
    const { repoId } = this.#options.repository;
    try {
      await this.#redis.set(getCancelKey(repoId, jobId), '1', 'PX', CANCEL_TTL_MS);
      await this.#redis.publish(getCancelChannel(repoId), jobId);
      const job = await this.#queues.getJob(labels, jobId);
      if (job && (await job.getState()) === 'waiting') await job.remove();
    } catch {
      // Redis unreachable: the attempt fails for it anyway, and its worker loses its lock.
    }
  }

  /** Deletes the streams of the attempts that ended (their ends are recorded now) and disconnects. */
  async close(): Promise<void> {
    if (this.#ended.length > 0) await this.#redis.del(...this.#ended).catch(() => undefined);
    await this.#queues.close();
    for (const reader of this.#readers) reader.disconnect();
    this.#redis.disconnect();
  }

  /** A client whose connection errors are remembered. */
  #connect(): Redis {
    const client = createRedisClient(this.#options.url);
    client.on('error', (error: Error) => {
      this.#lastError = error;
    });
    this.#readers.add(client);
    return client;
  }
}

/**
 * The settled steps whose outputs `step` may read: those whose id its definition mentions (a
 * superset of what its expressions read), so that a job does not carry every output of the run.
 */
export function pickReadSteps(
  step: ResolvedStep,
  steps: Record<string, { outputs: Record<string, unknown>; status: string }>,
): Record<string, { outputs: Record<string, unknown>; status: string }> {
  const text = JSON.stringify([step.with, step.env, step.when ?? null]);
  return Object.fromEntries(Object.entries(steps).filter(([id]) => text.includes(id)));
}
