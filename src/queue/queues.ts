// The coordinator's BullMQ queues: one per label set it dispatches to, each with a reaper (a
// worker that takes no job and only looks for stalled ones, so a lost worker is noticed even when
// it was the only one), all with the configured lock and stall settings.

import { type Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { getConnectionOptions } from './connection.js';
import type { StepJob } from './protocol.js';
import { getLabelSetsKey, getQueueName, KEY_PREFIX, type QueueTimings } from './settings.js';

/** Completed jobs go at once (their result is in the attempt's stream); failed ones after a day. */
const JOB_OPTIONS = { attempts: 1, removeOnComplete: true, removeOnFail: { age: 24 * 3600 } };

/** One label set's queue and reaper. */
interface OpenQueue {
  queue: Queue<StepJob>;
  reaper: Worker;
}

/** The queues of one repository on one Redis. */
export class CoordinatorQueues {
  readonly #url: string;
  readonly #repoId: string;
  readonly #timings: QueueTimings;
  readonly #redis: Redis;
  readonly #open = new Map<string, Promise<OpenQueue>>();
  readonly #onProblem: (message: string) => void;

  constructor(options: {
    url: string;
    repoId: string;
    timings: QueueTimings;
    redis: Redis;
    onProblem(message: string): void;
  }) {
    this.#url = options.url;
    this.#repoId = options.repoId;
    this.#timings = options.timings;
    this.#redis = options.redis;
    this.#onProblem = options.onProblem;
  }

  /** Enqueues `data` as `jobId` on the queue of `labels`; an id the queue holds is left as it is. */
  async add(labels: readonly string[], jobId: string, data: StepJob): Promise<void> {
    const { queue } = await this.#openQueue(labels);
    // Listed again at each step: a Redis restarted empty forgets the label sets.
    await this.#redis.sadd(getLabelSetsKey(this.#repoId), labels.join(','));
    await queue.add('step', data, { ...JOB_OPTIONS, jobId });
  }

  /** The job `jobId` of the queue of `labels`, or undefined when the queue no longer holds it. */
  async getJob(labels: readonly string[], jobId: string): Promise<Job<StepJob> | undefined> {
    const { queue } = await this.#openQueue(labels);
    return (await queue.getJob(jobId)) ?? undefined;
  }

  async close(): Promise<void> {
    const open = await Promise.allSettled(this.#open.values());
    await Promise.all(
      open.map(async (each) => {
        if (each.status !== 'fulfilled') return;
        for (const closable of [each.value.reaper, each.value.queue]) {
          // A close while Redis is down may never end: then the connection is cut instead.
          if (!(await withTimeout(closable.close())))
            void closable.disconnect().catch(() => undefined);
        }
      }),
    );
  }

  #openQueue(labels: readonly string[]): Promise<OpenQueue> {
    const set = labels.join(',');
    let open = this.#open.get(set);
    if (open === undefined) {
      open = this.#create(set);
      this.#open.set(set, open);
      open.catch(() => this.#open.delete(set));
    }
    return open;
  }

  async #create(set: string): Promise<OpenQueue> {
    // Workers open the queues of the label sets listed here (those their labels cover).
    await this.#redis.sadd(getLabelSetsKey(this.#repoId), set);
    const name = getQueueName(this.#repoId, set === '' ? [] : set.split(','));
    const connection = getConnectionOptions(this.#url);
    const queue: Queue<StepJob> = new Queue(name, {
      connection: { ...connection, enableOfflineQueue: false, maxRetriesPerRequest: 1 },
      prefix: KEY_PREFIX,
    });
    queue.on('error', (error) => this.#onProblem(error.message));
    const reaper = new Worker(name, null, {
      connection,
      prefix: KEY_PREFIX,
      autorun: false,
      name: 'mia-coordinator',
      lockDuration: this.#timings.lockMs,
      stalledInterval: this.#timings.stallIntervalMs,
      maxStalledCount: 0,
    });
    reaper.on('error', (error) => this.#onProblem(error.message));
    void reaper.startStalledCheckTimer().catch((error: unknown) => this.#onProblem(String(error)));
    return { queue, reaper };
  }
}

/** Waits for a close at most a second; true when it ended in time. */
async function withTimeout(closing: Promise<unknown>): Promise<boolean> {
  return Promise.race([
    closing.then(
      () => true,
      () => false,
    ),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 1000).unref()),
  ]);
}
