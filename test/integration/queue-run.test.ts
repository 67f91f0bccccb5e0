// `mia workflow run --queue` with real `mia worker` processes and a real redis-server: where
// each step runs (labels, `runs_on: local`, home actions), the worker named in the started
// event, the commit workers run at, and the errors a user meets first.

import { rm } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runMia } from '../helpers/cli.js';
import { createQueueWorkspace, payloadsOf, readRunEvents } from '../helpers/queue-workspace.js';
import { findFreePort, startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { commitFile, git } from '../helpers/temp-git-repo.js';
import { startTestWorker, TEST_QUEUE_ENV, type TestWorker } from '../helpers/test-worker.js';

let redis: TestRedis;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  redis = await startTestRedis();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  await redis?.stop();
});

async function workspaceOf(yaml: string): Promise<string> {
  const dir = await createQueueWorkspace({ w: yaml });
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function workerOf(
  origin: string,
  options: Parameters<typeof startTestWorker>[2] = {},
): Promise<TestWorker> {
  const worker = await startTestWorker(origin, redis.url, options);
  cleanups.push(() => worker.stop());
  return worker;
}

const run = (cwd: string, args: string[] = [], env: Record<string, string> = {}) =>
  runMia(['workflow', 'run', 'w', '--queue', redis.url, ...args], {
    cwd,
    env: { ...TEST_QUEUE_ENV, ...env },
  });

describe('mia workflow run --queue', () => {
  it('runs steps on the worker whose labels they need, keeps local steps and gates home, and names the worker', async () => {
    const dir = await workspaceOf(`name: w
narrative: "Where steps run"
steps:
  - id: anywhere
    action: shell
    with: { run: 'echo "at=$PWD" >> "$MIA_OUTPUT"' }
  - id: gpu
    action: shell
    runs_on: [gpu]
    with: { run: 'echo "at=$PWD" >> "$MIA_OUTPUT"' }
  - id: home
    action: shell
    runs_on: local
    depends_on: [anywhere, gpu]
    with: { run: 'echo "got \${{ steps.gpu.outputs.at }}"; echo "at=$PWD" >> "$MIA_OUTPUT"' }
  - id: gate
    action: approve
    depends_on: [home]
    with: { prompt: "Ship?" }
`);
    const plain = await workerOf(dir);
    const gpu = await workerOf(dir, { labels: 'gpu,linux' });
    const result = await run(dir, ['--yes']);
    expect(result.exitCode, result.stderr).toBe(0);
    const events = await readRunEvents(dir);
    const startedBy = (id: string) =>
      payloadsOf(events, 'workflow.step.started', id)[0]?.worker as { pid: number } | undefined;
    expect(startedBy('gpu')?.pid).toBe(gpu.pid);
    expect([plain.pid, gpu.pid]).toContain(startedBy('anywhere')?.pid);
    expect(startedBy('home')).toBeUndefined();
    expect(startedBy('gate')).toBeUndefined();
    const at = (id: string) =>
      String(
        ((payloadsOf(events, 'workflow.step.completed', id)[0]?.outputs ?? {}) as { at?: string })
          .at,
      );
    expect(at('gpu').startsWith(gpu.clone)).toBe(true);
    expect(at('gpu')).toContain('/.git/mia-worker/');
    expect(at('home')).toBe(dir);
    // The worker's own working tree is left as it was.
    expect(await git(gpu.clone, 'status', '--porcelain')).toBe('');
    // `status` says where each step ran.
    const status = await runMia(['workflow', 'status', '--last'], { cwd: dir });
    const gpuLine = status.stdout.split('\n').find((line) => line.includes(' gpu '));
    expect(gpuLine).toContain(`(worker pid ${gpu.pid})`);
    const homeLine = status.stdout.split('\n').find((line) => line.includes(' home '));
    expect(homeLine).not.toContain('worker pid');
  });

  it('refuses uncommitted changes to tracked files unless --allow-dirty, saying so', async () => {
    const dir = await workspaceOf(`name: w
narrative: "Dirty"
steps:
  - id: a
    action: shell
    with: { run: 'cat README.md' }
`);
    await workerOf(dir);
    await commitFile(dir, 'README.md', 'committed\n');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(`${dir}/README.md`, 'not committed\n');
    const refused = await run(dir);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('uncommitted changes: README.md');
    expect(refused.stderr).toContain('--allow-dirty');
    expect(refused.stdout).not.toContain('run ');
    // The worker has the pushed commit only if it can fetch it: push it to the worker's origin (this dir).
    const allowed = await run(dir, ['--allow-dirty']);
    expect(allowed.exitCode, allowed.stderr).toBe(0);
    expect(allowed.stderr).toContain('without the uncommitted changes');
    const events = await readRunEvents(dir);
    expect(
      (
        (payloadsOf(events, 'workflow.step.completed', 'a')[0]?.outputs ?? {}) as {
          stdout?: string;
        }
      ).stdout,
    ).toBe('committed');
  });

  it('fails a step with a clear tension when the worker cannot fetch the commit', async () => {
    const dir = await workspaceOf(`name: w
narrative: "Unpushed"
steps:
  - id: a
    action: shell
    with: { run: 'echo hi' }
`);
    const worker = await workerOf(dir);
    // The worker's origin is another repository that never gets the coordinator's next commit.
    const other = await workspaceOf('name: other\nnarrative: x\nsteps: []\n');
    await git(worker.clone, 'remote', 'set-url', 'origin', other);
    await commitFile(dir, 'new.txt', 'only here\n');
    await git(dir, 'remote', 'add', 'origin', other);
    await git(dir, 'fetch', '--quiet', 'origin');
    const result = await run(dir);
    expect(result.exitCode).toBe(1);
    // Warned before anything was dispatched.
    expect(result.stderr).toMatch(/warning: The commit [0-9a-f]{12} is on no branch of origin/);
    const failed = payloadsOf(await readRunEvents(dir), 'workflow.step.failed', 'a')[0];
    expect(failed?.error).toMatchObject({ code: 'MIA_WORKER_COMMIT_UNAVAILABLE' });
    expect(String(((failed?.error ?? {}) as { message?: string }).message)).toMatch(
      /cannot run the step at commit [0-9a-f]{12}: fetching it from origin failed/,
    );
  });

  it('takes the queue from MIA_QUEUE, and says when no worker has the labels a step needs', async () => {
    const dir = await workspaceOf(`name: w
narrative: "Waiting"
steps:
  - id: arm
    action: shell
    runs_on: [arm]
    with: { run: 'echo on arm' }
`);
    await workerOf(dir, { labels: 'x86' });
    const { startMia } = await import('../helpers/cli.js');
    const child = startMia(['workflow', 'run', 'w'], {
      cwd: dir,
      env: { ...TEST_QUEUE_ENV, MIA_QUEUE: redis.url },
    });
    const { waitUntil } = await import('../helpers/processes.js');
    const { readFile, readdir } = await import('node:fs/promises');
    const logOf = async () => {
      const runs = await readdir(`${dir}/.mia/runs`).catch(() => []);
      return runs[0]
        ? readFile(`${dir}/.mia/runs/${runs[0]}/logs/arm.log`, 'utf8').catch(() => '')
        : '';
    };
    expect(
      await waitUntil(async () =>
        (await logOf()).includes('waiting for a worker with the labels arm'),
      ),
    ).toBe(true);
    const arm = await workerOf(dir, { labels: 'arm' });
    const result = await child;
    expect(result.exitCode, String(result.stderr)).toBe(0);
    const started = payloadsOf(await readRunEvents(dir), 'workflow.step.started', 'arm')[0];
    expect(((started?.worker ?? {}) as { pid?: number }).pid).toBe(arm.pid);
  });

  it('says where Redis is unreachable with its password masked, and starts no run', async () => {
    const dir = await workspaceOf(
      'name: w\nnarrative: x\nsteps:\n  - id: a\n    action: shell\n    with: { run: "true" }\n',
    );
    const port = await findFreePort();
    const result = await runMia(
      ['workflow', 'run', 'w', '--queue', `redis://:hunter2-secret@127.0.0.1:${port}`],
      { cwd: dir },
    );
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`redis://:***@127.0.0.1:${port}`);
    expect(result.stderr).toContain('ECONNREFUSED');
    expect(result.stderr + result.stdout).not.toContain('hunter2-secret');
  });

  it('refuses a queue URL that is not redis:// or rediss://', async () => {
    const dir = await workspaceOf(
      'name: w\nnarrative: x\nsteps:\n  - id: a\n    action: shell\n    with: { run: "true" }\n',
    );
    const result = await runMia(['workflow', 'run', 'w', '--queue', 'http://user:pw@host'], {
      cwd: dir,
    });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('is not a redis:// or rediss:// URL');
    expect(result.stderr).not.toContain(':pw@');
  });
});

describe('mia worker and --queue, used wrongly', () => {
  it('carries binary output byte for byte to the coordinator’s log file', async () => {
    const dir = await workspaceOf(`name: w
narrative: "Bytes"
steps:
  - id: bytes
    action: shell
    with: { run: "printf 'a\\\\377\\\\376\\\\000b\\\\n'" }
`);
    await workerOf(dir);
    const result = await run(dir);
    expect(result.exitCode, result.stderr).toBe(0);
    const { readFile, readdir } = await import('node:fs/promises');
    const [runId] = await readdir(`${dir}/.mia/runs`);
    const log = await readFile(`${dir}/.mia/runs/${runId}/logs/bytes.log`);
    expect(log.includes(Buffer.from([0x61, 0xff, 0xfe, 0x00, 0x62, 0x0a]))).toBe(true);
  });

  it('refuses bad labels, a worker outside a repository, and runs_on labels a queue cannot carry', async () => {
    const dir = await workspaceOf(`name: w
narrative: "Labels"
steps:
  - id: a
    action: shell
    runs_on: [GPU]
    with: { run: "true" }
`);
    const labels = await runMia(['worker', '--queue', redis.url, '--labels', 'gpu,Big Box'], {
      cwd: dir,
    });
    expect(labels.exitCode).toBe(2);
    expect(labels.stderr).toContain('The label "Big Box" in --labels is not lower-case letters');
    const { mkdtemp } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const nowhere = await mkdtemp(`${tmpdir()}/mia-not-a-repo-`);
    cleanups.push(() => rm(nowhere, { recursive: true, force: true }));
    const outside = await runMia(['worker', '--queue', redis.url], {
      cwd: nowhere,
      env: { GIT_CEILING_DIRECTORIES: tmpdir() },
    });
    expect(outside.exitCode).toBe(2);
    expect(outside.stderr).toContain('git repository');
    const invalid = await runMia(['workflow', 'validate', 'w'], { cwd: dir });
    expect(invalid.exitCode).toBe(2);
    expect(invalid.stdout + invalid.stderr).toContain('runs_on');
  });
});

describe('matrix legs on workers', () => {
  it('runs each leg on a worker, reading its matrix values there', async () => {
    const dir = await workspaceOf(`name: w
narrative: "Legs"
steps:
  - id: test
    action: shell
    strategy: { matrix: { node: [20, 24], os: [linux] } }
    with: { run: 'echo "node \${{ matrix.node }} on \${{ matrix.os }}"' }
`);
    const worker = await workerOf(dir, { concurrency: 2 });
    const result = await run(dir);
    expect(result.exitCode, result.stderr).toBe(0);
    const events = await readRunEvents(dir);
    const legs: Array<[string, string]> = [
      ['test(20, linux)', 'node 20 on linux'],
      ['test(24, linux)', 'node 24 on linux'],
    ];
    for (const [leg, text] of legs) {
      const started = payloadsOf(events, 'workflow.step.started', leg)[0];
      expect(((started?.worker ?? {}) as { pid?: number }).pid, leg).toBe(worker.pid);
      const completed = payloadsOf(events, 'workflow.step.completed', leg)[0];
      expect(((completed?.outputs ?? {}) as { stdout?: string }).stdout).toBe(text);
    }
  });
});
