// Real `mia worker` processes for tests, each in its own clone of the repository (like a real
// machine), with short lock and stall settings; stopped (or killed) by their pid.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MIA_BIN } from './cli.js';
import { isProcessAlive, waitUntil } from './processes.js';
import { GIT_IDENTITY_ENV, git } from './temp-git-repo.js';

/** Short lock and stall settings: a dead worker is noticed in about 1.5 s. */
export const TEST_QUEUE_ENV: Record<string, string> = {
  MIA_QUEUE_LOCK_MS: '1000',
  MIA_QUEUE_STALL_INTERVAL_MS: '500',
  MIA_QUEUE_POLL_MS: '200',
  MIA_QUEUE_UNREACHABLE_MS: '2000',
};

/** A worker a test started. */
export interface TestWorker {
  child: ChildProcess;
  pid: number;
  /** Its clone of the repository. */
  clone: string;
  output(): string;
  /** SIGTERM, then waits for it to exit. */
  stop(): Promise<void>;
  /** SIGKILL: a machine that died. */
  kill(): Promise<void>;
}

/**
 * Clones `origin` and starts `mia worker --queue url` there; resolves once it serves.
 * `env` adds to (or unsets, with undefined) the worker's environment.
 */
export async function startTestWorker(
  origin: string,
  url: string,
  options: { labels?: string; concurrency?: number; env?: Record<string, string | undefined> } = {},
): Promise<TestWorker> {
  const clone = await mkdtemp(join(tmpdir(), 'mia-worker-clone-'));
  await git(tmpdir(), 'clone', '--quiet', origin, clone);
  const args = [MIA_BIN, 'worker', '--queue', url];
  if (options.labels) args.push('--labels', options.labels);
  if (options.concurrency) args.push('--concurrency', String(options.concurrency));
  const env: Record<string, string | undefined> = {
    ...process.env,
    ...GIT_IDENTITY_ENV,
    ...TEST_QUEUE_ENV,
    ...options.env,
  };
  const child = spawn(process.execPath, args, {
    cwd: clone,
    env: env as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const isServing = await waitUntil(
    () => output.includes(' serving ') || child.exitCode !== null,
    20_000,
  );
  if (!isServing || child.exitCode !== null)
    throw new Error(`mia worker did not start:\n${output}`);
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
    await rm(clone, { recursive: true, force: true });
  };
  return {
    child,
    pid: child.pid ?? 0,
    clone,
    output: () => output,
    stop: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
  };
}

/** Whether the worker's process still runs. */
export function isWorkerAlive(worker: TestWorker): boolean {
  return isProcessAlive(worker.pid);
}
