// The workers alive for a repository, as they register themselves (keys that expire unless
// refreshed): a step whose labels no live worker has waits, and says so.

import type { Redis } from 'ioredis';
import { getWorkerKey, getWorkersKey } from './settings.js';

/** A live worker as it registers itself. */
interface RegisteredWorker {
  id: string;
  labels: string[];
}

/** Lists the workers registered for `repoId` now (forgetting those whose key expired). */
export async function listLiveWorkers(redis: Redis, repoId: string): Promise<RegisteredWorker[]> {
  const ids = await redis.smembers(getWorkersKey(repoId));
  if (ids.length === 0) return [];
  const values = await redis.mget(...ids.map((id) => getWorkerKey(repoId, id)));
  const gone = ids.filter((_, index) => values[index] === null);
  if (gone.length > 0) void redis.srem(getWorkersKey(repoId), ...gone).catch(() => undefined);
  return values.flatMap((value) => (value ? [JSON.parse(value) as RegisteredWorker] : []));
}

/** Registers a live worker for `ttlMs` (it registers again before that, while it lives). */
export async function registerWorker(
  redis: Redis,
  repoId: string,
  worker: RegisteredWorker & Record<string, unknown>,
  ttlMs: number,
): Promise<void> {
  await redis
    .multi()
    .sadd(getWorkersKey(repoId), worker.id)
    .set(getWorkerKey(repoId, worker.id), JSON.stringify(worker), 'PX', ttlMs)
    .exec();
}

/** Says that no live worker has `labels`, or undefined when one has. */
export async function describeMissingWorker(
  redis: Redis,
  repoId: string,
  labels: readonly string[],
): Promise<string | undefined> {
  const workers = await listLiveWorkers(redis, repoId);
  if (workers.some((worker) => labels.every((label) => worker.labels.includes(label))))
    return undefined;
  const wanted = labels.length === 0 ? 'any labels' : `the labels ${labels.join(', ')}`;
  return `waiting for a worker with ${wanted}: none is running for this repository (start one: mia worker --queue URL${labels.length ? ` --labels ${labels.join(',')}` : ''})`;
}
