// The queue step executor keeps the executor contract: every step goes through a real
// redis-server to a real `mia worker` process in its own clone of the workspace's repository.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { QueueStepExecutor } from '../../src/queue/queue-executor.js';
import { readDispatchedRepository } from '../../src/queue/repository.js';
import { readQueueTimings } from '../../src/queue/settings.js';
import { describeStepExecutorContract } from '../engine/executors/executor.contract.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { startTestWorker, TEST_QUEUE_ENV } from '../helpers/test-worker.js';

let redis: TestRedis;
const workerPids: number[] = [];

beforeAll(async () => {
  redis = await startTestRedis();
});

afterAll(async () => {
  await redis?.stop();
});

describeStepExecutorContract(
  'QueueStepExecutor (redis-server and a mia worker)',
  async ({ workspace }) => {
    const worker = await startTestWorker(workspace, redis.url);
    workerPids.push(worker.pid);
    const executor = await QueueStepExecutor.open({
      url: redis.url,
      repository: await readDispatchedRepository(workspace, false),
      timings: readQueueTimings(TEST_QUEUE_ENV),
      onProblem: () => undefined,
    });
    return {
      executor,
      close: async () => {
        await executor.close();
        await worker.stop();
      },
    };
  },
);

it('ran the contract on worker processes, never in the test process', () => {
  expect(workerPids.length).toBeGreaterThan(0);
  expect(workerPids).not.toContain(process.pid);
});
