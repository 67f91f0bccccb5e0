// Faults of steps on workers, with real `mia worker` processes (each in its own clone) and a
// real redis-server: a worker killed or frozen mid-step, a coordinator killed mid-run and
// resumed, Redis killed mid-run, many workers racing for the same steps.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runMia, startMia } from '../helpers/cli.js';
import { isProcessAlive, waitUntil } from '../helpers/processes.js';
import { createQueueWorkspace, payloadsOf, readRunEvents } from '../helpers/queue-workspace.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { startTestWorker, TEST_QUEUE_ENV, type TestWorker } from '../helpers/test-worker.js';

let redis: TestRedis;
const cleanups: Array<() => Promise<void>> = [];
/** Step processes a killed worker leaves behind (a dead machine would take them along). */
const strays: number[] = [];

beforeAll(async () => {
  redis = await startTestRedis();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  for (const pid of strays.splice(0)) {
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
  }
});
afterAll(async () => {
  await redis?.stop();
});

/** A workspace whose workflow `w` has `steps` (YAML), and a shared folder outside it ($SHARED). */
async function setUp(steps: string): Promise<{ dir: string; shared: string }> {
  const shared = await mkdtemp(join(tmpdir(), 'mia-queue-shared-'));
  const dir = await createQueueWorkspace({
    w: `name: w\nnarrative: "Faults"\ninputs: { shared: { required: true } }\nsteps:\n${steps}`,
  });
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  cleanups.push(() => rm(shared, { recursive: true, force: true }));
  return { dir, shared };
}

async function workerOf(
  dir: string,
  options: Parameters<typeof startTestWorker>[2] = {},
): Promise<TestWorker> {
  const worker = await startTestWorker(dir, redis.url, options);
  cleanups.push(() => worker.kill());
  return worker;
}

const miaArgs = (verb: 'run' | 'resume', shared: string) =>
  verb === 'run'
    ? ['workflow', 'run', 'w', '--input', `shared=${shared}`, '--queue', redis.url]
    : ['workflow', 'resume', '--last', '--queue', redis.url];

/** A step whose script is `script`, its env naming the shared folder. */
const step = (id: string, script: string, extra = '') =>
  `  - id: ${id}\n    action: shell\n    env: { SHARED: "\${{ inputs.shared }}" }\n${extra}    with:\n      run: |\n${script
    .split('\n')
    .map((line) => `        ${line}`)
    .join('\n')}\n`;

/** Records its start, its pid, waits for `go`, records its end. */
const waitForGo = (name: string) =>
  [
    `echo start >> "$SHARED/${name}.runs"`,
    `echo $$ > "$SHARED/${name}.pid"`,
    `while [ ! -e "$SHARED/${name}.go" ]; do sleep 0.05; done`,
    `echo end >> "$SHARED/${name}.runs"`,
  ].join('\n');

const readText = (path: string) => readFile(path, 'utf8').catch(() => '');
const readPid = async (path: string) => Number((await readText(path)).trim());

describe('steps on workers, when something dies', () => {
  it('tells a worker SIGKILLed mid-step as "worker lost" and retries the step on another worker', async () => {
    const { dir, shared } = await setUp(
      step('long', waitForGo('long'), '    retry: { attempts: 2, delay: 10ms }\n'),
    );
    const first = await workerOf(dir);
    const coordinator = startMia(miaArgs('run', shared), { cwd: dir, env: TEST_QUEUE_ENV });
    expect(await waitUntil(async () => (await readPid(join(shared, 'long.pid'))) > 0, 20_000)).toBe(
      true,
    );
    strays.push(await readPid(join(shared, 'long.pid')));
    const second = await workerOf(dir);
    await writeFile(join(shared, 'long.go'), '');
    await first.kill();
    const result = await coordinator;
    expect(result.exitCode, String(result.stderr)).toBe(0);
    const events = await readRunEvents(dir);
    const retrying = payloadsOf(events, 'workflow.step.retrying', 'long');
    expect(retrying).toHaveLength(1);
    expect(retrying[0]?.error).toMatchObject({ code: 'MIA_WORKER_LOST' });
    expect(String(((retrying[0]?.error ?? {}) as { message?: string }).message)).toContain(
      `Worker lost: worker`,
    );
    const started = payloadsOf(events, 'workflow.step.started', 'long').map(
      (p) => (p.worker as { pid?: number }).pid,
    );
    expect(started).toEqual([first.pid, second.pid]);
  });

  it('fails the step as "worker lost" without a retry, and resume runs it on another worker', async () => {
    const { dir, shared } = await setUp(step('long', waitForGo('long')));
    const first = await workerOf(dir);
    const coordinator = startMia(miaArgs('run', shared), { cwd: dir, env: TEST_QUEUE_ENV });
    expect(await waitUntil(async () => (await readPid(join(shared, 'long.pid'))) > 0, 20_000)).toBe(
      true,
    );
    strays.push(await readPid(join(shared, 'long.pid')));
    await first.kill();
    const failed = await coordinator;
    expect(failed.exitCode).toBe(1);
    const tension = payloadsOf(await readRunEvents(dir), 'workflow.tension', 'long')[0];
    expect(tension?.error).toMatchObject({ code: 'MIA_WORKER_LOST' });
    await writeFile(join(shared, 'long.go'), '');
    const second = await workerOf(dir);
    const resumed = await runMia(miaArgs('resume', shared), { cwd: dir, env: TEST_QUEUE_ENV });
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    const started = payloadsOf(await readRunEvents(dir), 'workflow.step.started', 'long');
    expect(((started.at(-1)?.worker ?? {}) as { pid?: number }).pid).toBe(second.pid);
  });

  it('kills the step of a worker that lost its lock (frozen past the stall check)', async () => {
    const { dir, shared } = await setUp(step('frozen', waitForGo('frozen')));
    const worker = await workerOf(dir);
    const coordinator = startMia(miaArgs('run', shared), { cwd: dir, env: TEST_QUEUE_ENV });
    expect(
      await waitUntil(async () => (await readPid(join(shared, 'frozen.pid'))) > 0, 20_000),
    ).toBe(true);
    const pid = await readPid(join(shared, 'frozen.pid'));
    strays.push(pid);
    process.kill(worker.pid, 'SIGSTOP');
    try {
      // The coordinator gives the attempt up as lost while the worker is frozen…
      const result = await coordinator;
      expect(result.exitCode).toBe(1);
    } finally {
      process.kill(worker.pid, 'SIGCONT');
    }
    // …and the worker, awake again, finds its lock gone and kills the step's process tree.
    expect(await waitUntil(() => !isProcessAlive(pid), 15_000)).toBe(true);
    expect(await readText(join(shared, 'frozen.runs'))).toBe('start\n');
  });

  it('resumes a coordinator SIGKILLed mid-run: adopts what finished meanwhile, waits for what runs, runs nothing again', async () => {
    const { dir, shared } = await setUp(
      step('done-before', 'echo start >> "$SHARED/done-before.runs"') +
        step('done-meanwhile', waitForGo('meanwhile')) +
        step('still-running', waitForGo('still')) +
        step(
          'after',
          'echo start >> "$SHARED/after.runs"',
          '    depends_on: [done-before, done-meanwhile, still-running]\n',
        ),
    );
    await workerOf(dir, { concurrency: 4 });
    const coordinator = startMia(miaArgs('run', shared), { cwd: dir, env: TEST_QUEUE_ENV });
    const bothWait = async () =>
      (await readPid(join(shared, 'meanwhile.pid'))) > 0 &&
      (await readPid(join(shared, 'still.pid'))) > 0;
    expect(await waitUntil(bothWait, 20_000)).toBe(true);
    expect(
      await waitUntil(async () => (await readText(join(shared, 'done-before.runs'))) === 'start\n'),
    ).toBe(true);
    coordinator.kill('SIGKILL');
    await coordinator;
    await writeFile(join(shared, 'meanwhile.go'), '');
    expect(
      await waitUntil(
        async () => (await readText(join(shared, 'meanwhile.runs'))) === 'start\nend\n',
      ),
    ).toBe(true);
    const resumed = startMia(miaArgs('resume', shared), { cwd: dir, env: TEST_QUEUE_ENV });
    expect(
      await waitUntil(
        async () => (await readRunEvents(dir)).some((e) => e.type === 'workflow.resumed'),
        20_000,
      ),
    ).toBe(true);
    await writeFile(join(shared, 'still.go'), '');
    const result = await resumed;
    expect(result.exitCode, String(result.stderr)).toBe(0);
    for (const name of ['done-before', 'meanwhile', 'still']) {
      const runs = await readText(join(shared, `${name}.runs`));
      expect(runs.match(/start/g), name).toHaveLength(1);
    }
    expect(await readText(join(shared, 'after.runs'))).toBe('start\n');
    const events = await readRunEvents(dir);
    expect(payloadsOf(events, 'workflow.step.completed', 'done-meanwhile')).toHaveLength(1);
    expect(payloadsOf(events, 'workflow.step.completed', 'still-running')).toHaveLength(1);
  });

  it('ends with a clear error when Redis dies mid-run, and the run resumes once it is back', async () => {
    const { dir, shared } = await setUp(step('a', waitForGo('a')));
    await workerOf(dir);
    const coordinator = startMia(miaArgs('run', shared), { cwd: dir, env: TEST_QUEUE_ENV });
    expect(await waitUntil(async () => (await readPid(join(shared, 'a.pid'))) > 0, 20_000)).toBe(
      true,
    );
    const pid = await readPid(join(shared, 'a.pid'));
    strays.push(pid);
    await redis.kill();
    let result: Awaited<typeof coordinator>;
    try {
      result = await coordinator;
      // The worker cannot keep its lock: it kills the step rather than let it run unseen.
      expect(await waitUntil(() => !isProcessAlive(pid), 15_000)).toBe(true);
    } finally {
      await redis.restart();
    }
    expect(result.exitCode).toBe(1);
    expect(`${result.stdout}${result.stderr}`).toContain(
      `The queue's Redis at ${redis.url} is unreachable`,
    );
    await writeFile(join(shared, 'a.go'), '');
    const resumed = await runMia(miaArgs('resume', shared), { cwd: dir, env: TEST_QUEUE_ENV });
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(payloadsOf(await readRunEvents(dir), 'workflow.step.completed', 'a')).toHaveLength(1);
  });

  it('runs each step once across three workers racing for them', async () => {
    const steps = Array.from({ length: 12 }, (_, i) =>
      step(`s${i}`, 'echo "$MIA_STEP_ID" >> "$SHARED/ran"'),
    ).join('');
    const { dir, shared } = await setUp(steps);
    const workers = await Promise.all([
      workerOf(dir, { concurrency: 2 }),
      workerOf(dir, { concurrency: 2 }),
      workerOf(dir, { concurrency: 2 }),
    ]);
    const result = await runMia([...miaArgs('run', shared), '--concurrency', '8'], {
      cwd: dir,
      env: TEST_QUEUE_ENV,
    });
    expect(result.exitCode, result.stderr).toBe(0);
    const ran = (await readText(join(shared, 'ran'))).trim().split('\n').sort();
    expect(ran).toEqual(Array.from({ length: 12 }, (_, i) => `s${i}`).sort());
    const pids = new Set(workers.map((worker) => worker.pid));
    for (const event of (await readRunEvents(dir)).filter(
      (e) => e.type === 'workflow.step.started',
    )) {
      expect(pids.has((event.payload as { worker?: { pid: number } }).worker?.pid ?? 0)).toBe(true);
    }
  });
});

describe('steps on workers, when the run gives up on one', () => {
  it('takes back an attempt that timed out waiting for a worker: no worker runs it later', async () => {
    const { dir, shared } = await setUp(
      step('early', 'touch "$SHARED/early-ran"', '    runs_on: [late]\n    timeout: 1s\n'),
    );
    const timedOut = await runMia(miaArgs('run', shared), { cwd: dir, env: TEST_QUEUE_ENV });
    expect(timedOut.exitCode).toBe(1);
    const failed = payloadsOf(await readRunEvents(dir), 'workflow.step.failed', 'early')[0];
    expect(failed?.error).toMatchObject({ code: 'MIA_STEP_TIMEOUT' });
    // A worker with the label comes; it runs the next attempt (resume), never the abandoned one.
    await workerOf(dir, { labels: 'late' });
    const resumed = await runMia(miaArgs('resume', shared), { cwd: dir, env: TEST_QUEUE_ENV });
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    const started = payloadsOf(await readRunEvents(dir), 'workflow.step.started', 'early');
    expect(started.filter((p) => p.worker !== undefined)).toHaveLength(1);
    // The abandoned attempt's job is gone from the queue, and it stays marked as cancelled.
    expect(await redis.client.keys('mia:*@late:*.early.*.a1*')).toEqual([]);
    expect(await redis.client.keys('mia:*@late:*.early.*.a2*')).toEqual([]);
    expect(await redis.client.keys('mia:*:cancelled:*.early.*.a1')).toHaveLength(1);
  });
});

describe('mia worker, when Redis is gone', () => {
  it('stops on SIGTERM even while Redis is down', async () => {
    const { dir } = await setUp(step('a', 'true'));
    const worker = await workerOf(dir);
    await redis.kill();
    try {
      worker.child.kill('SIGTERM');
      expect(await waitUntil(() => worker.child.exitCode !== null, 20_000)).toBe(true);
      expect(worker.child.exitCode).toBe(0);
    } finally {
      await redis.restart();
    }
  });
});

describe('a worker’s concurrency', () => {
  it('holds across the label sets it serves: with --concurrency 1, its steps never overlap', async () => {
    const both = (name: string) =>
      `echo "start ${name}" >> "$SHARED/order"; sleep 0.3; echo "end ${name}" >> "$SHARED/order"`;
    const { dir, shared } = await setUp(
      step('plain', both('plain')) +
        step('labelled', both('labelled'), '    runs_on: [box]\n') +
        step('other', both('other'), '    runs_on: [box]\n'),
    );
    await workerOf(dir, { labels: 'box', concurrency: 1 });
    const result = await runMia([...miaArgs('run', shared), '--concurrency', '3'], {
      cwd: dir,
      env: TEST_QUEUE_ENV,
    });
    expect(result.exitCode, result.stderr).toBe(0);
    const order = (await readText(join(shared, 'order'))).trim().split('\n');
    expect(order).toHaveLength(6);
    for (let i = 0; i < order.length; i += 2) {
      expect(order[i + 1]).toBe(order[i]?.replace('start', 'end'));
    }
  });
});
