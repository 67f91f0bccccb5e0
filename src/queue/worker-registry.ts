// The workers alive for a repository, as they register themselves (keys that expire unless
// refreshed): a step whose labels no live worker has waits, and says so.

import type { Redis } from 'ioredis';
import { getWorkerKey } from './settings.js';

/** A live worker as it registers itself. */
interface RegisteredWorker {
  id: string;
  labels: string[];
}

/** Lists the workers registered for `repoId` now. */
export async function listLiveWorkers(redis: Redis, repoId: string): Promise<RegisteredWorker[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(
      cursor,
      'MATCH',
      getWorkerKey(repoId, '*'),
      'COUNT',
      1000,
    );
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  if (keys.length === 0) return [];
  const values = await redis.mget(...keys);
  return values.flatMap((value) => (value ? [JSON.parse(value) as RegisteredWorker] : []));
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
