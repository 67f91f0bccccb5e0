// What the queue holds and shows, with a real password-protected redis-server and a real worker:
// no secret of the coordinator's environment anywhere in Redis (every key read), a worker's
// secrets masked before its output leaves it, `env.*` read on the worker, the password of the
// queue URL never printed.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startMia } from '../helpers/cli.js';
import { waitUntil } from '../helpers/processes.js';
import { createQueueWorkspace, payloadsOf, readRunEvents } from '../helpers/queue-workspace.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { startTestWorker, TEST_QUEUE_ENV } from '../helpers/test-worker.js';

const PASSWORD = 'queue-pa55word-7781';
const COORDINATOR_SECRET = 'coordinator-s3cret-5521af';
const WORKER_SECRET = 'worker-s3cret-88aa19';
let redis: TestRedis;

beforeAll(async () => {
  redis = await startTestRedis(['--requirepass', PASSWORD]);
});
afterAll(async () => {
  await redis?.stop();
});

/** Every value Redis holds, as text (stream chunks decoded from base64 too). */
async function dumpEveryKey(client: Redis): Promise<string> {
  const parts: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      parts.push(key);
      const type = await client.type(key);
      if (type === 'string') parts.push(String(await client.get(key)));
      else if (type === 'hash') parts.push(JSON.stringify(await client.hgetall(key)));
      else if (type === 'list') parts.push(JSON.stringify(await client.lrange(key, 0, -1)));
      else if (type === 'set') parts.push(JSON.stringify(await client.smembers(key)));
      else if (type === 'zset') parts.push(JSON.stringify(await client.zrange(key, 0, -1)));
      else if (type === 'stream') {
        for (const [, fields] of await client.xrange(key, '-', '+')) {
          parts.push(JSON.stringify(fields));
          const at = fields.indexOf('d');
          if (at >= 0) parts.push(Buffer.from(fields[at + 1] ?? '', 'base64').toString('latin1'));
        }
      } else parts.push(`(unread type ${type})`);
    }
  } while (cursor !== '0');
  return parts.join('\n');
}

it('keeps the coordinator’s secrets out of Redis, masks the worker’s, reads env.* on the worker, and never prints the password', async () => {
  const shared = await mkdtemp(join(tmpdir(), 'mia-queue-secrets-'));
  const dir = await createQueueWorkspace({
    w: `name: w
narrative: "Secrets stay home"
inputs: { shared: { required: true } }
steps:
  - id: leak
    action: shell
    env: { REGION: "\${{ env.DEPLOY_REGION }}" }
    with:
      run: |
        echo "region=$REGION"
        echo "token=$MIA_SCAN_API_TOKEN"
        echo "worker=$WORKER_API_TOKEN"
  - id: hold
    action: shell
    depends_on: [leak]
    env: { SHARED: "\${{ inputs.shared }}" }
    with:
      run: |
        touch "$SHARED/holding"
        while [ ! -e "$SHARED/go" ]; do sleep 0.05; done
`,
  });
  const url = `redis://:${PASSWORD}@127.0.0.1:${redis.port}`;
  const worker = await startTestWorker(dir, url, {
    env: {
      MIA_SCAN_API_TOKEN: undefined,
      WORKER_API_TOKEN: WORKER_SECRET,
      DEPLOY_REGION: 'worker-region',
    },
  });
  try {
    expect(worker.output()).toContain(`redis://:***@127.0.0.1:${redis.port}`);
    const coordinator = startMia(
      ['workflow', 'run', 'w', '--input', `shared=${shared}`, '--queue', url],
      {
        cwd: dir,
        env: {
          ...TEST_QUEUE_ENV,
          MIA_SCAN_API_TOKEN: COORDINATOR_SECRET,
          DEPLOY_REGION: 'coordinator-region',
        },
      },
    );
    expect(
      await waitUntil(
        () =>
          readFile(join(shared, 'holding')).then(
            () => true,
            () => false,
          ),
        20_000,
      ),
    ).toBe(true);
    // While the run goes on, the queue holds its jobs and streams: none carries a secret.
    const everything = await dumpEveryKey(redis.client);
    expect(everything).toContain('region=worker-region');
    expect(everything).not.toContain(COORDINATOR_SECRET);
    expect(everything).not.toContain(WORKER_SECRET);
    expect(everything).not.toContain(PASSWORD);
    await writeFile(join(shared, 'go'), '');
    const result = await coordinator;
    expect(result.exitCode, String(result.stderr)).toBe(0);
    const stdout = (payloadsOf(await readRunEvents(dir), 'workflow.step.completed', 'leak')[0]
      ?.outputs ?? {}) as { stdout?: string };
    expect(stdout.stdout).toBe('region=worker-region\ntoken=\nworker=***');
    const shown = `${result.stdout}${result.stderr}${worker.output()}${JSON.stringify(await readRunEvents(dir))}`;
    expect(shown).not.toContain(PASSWORD);
    expect(shown).not.toContain(WORKER_SECRET);
  } finally {
    await worker.stop();
    await rm(dir, { recursive: true, force: true });
    await rm(shared, { recursive: true, force: true });
  }
});
