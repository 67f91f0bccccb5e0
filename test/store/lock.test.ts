import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RunLockedError } from '../../src/errors.js';
import { acquireRunLock, readRunLock } from '../../src/store/lock.js';
import { createWorkspace } from './helpers.js';

const RUN_ID = '20261123-172200-3f9a1c';
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

async function createRunDir(): Promise<string> {
  const runDir = join(await createWorkspace(), '.mia', 'runs', RUN_ID);
  await mkdir(runDir, { recursive: true });
  return runDir;
}

function writeLock(runDir: string, pid: number, host = hostname()): Promise<void> {
  const record = { pid, hostname: host, startedAt: '2026-11-23T17:22:00.000Z' };
  return writeFile(join(runDir, 'lock'), JSON.stringify(record));
}

/** A real process that stays alive until the test ends. */
async function startLiveProcess(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
  children.push(child);
  await once(child, 'spawn');
  return child.pid ?? -1;
}

/** The pid of a real process that has already exited. */
async function getDeadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await once(child, 'exit');
  return child.pid ?? -1;
}

describe('acquireRunLock', () => {
  it('takes a free lock, records its holder, and removes it on release', async () => {
    const runDir = await createRunDir();
    const lock = await acquireRunLock(runDir, RUN_ID);
    const record = JSON.parse(await readFile(join(runDir, 'lock'), 'utf8'));
    expect(record).toMatchObject({ pid: process.pid, hostname: hostname() });
    expect(new Date(record.startedAt).getTime()).not.toBeNaN();
    expect(await readRunLock(runDir)).toMatchObject({ pid: process.pid });

    await lock.release();
    expect(await readdir(runDir)).toEqual([]);
    expect(await readRunLock(runDir)).toBeUndefined();
  });

  it('refuses a lock held by a live process and names its pid', async () => {
    const runDir = await createRunDir();
    const pid = await startLiveProcess();
    await writeLock(runDir, pid);

    const error = await acquireRunLock(runDir, RUN_ID).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RunLockedError);
    expect(error).toMatchObject({
      code: 'MIA_STORE_RUN_LOCKED',
      pid,
      message: `Run ${RUN_ID} is in progress in process ${pid}.`,
    });
    expect(await readRunLock(runDir)).toMatchObject({ pid, hostname: hostname() });
    expect(JSON.parse(await readFile(join(runDir, 'lock'), 'utf8')).pid).toBe(pid);
  });

  it('refuses a second lock of the same run in the same process', async () => {
    const runDir = await createRunDir();
    const lock = await acquireRunLock(runDir, RUN_ID);
    await expect(acquireRunLock(runDir, RUN_ID)).rejects.toMatchObject({ pid: process.pid });
    await lock.release();
  });

  it('reclaims the lock of a process that died', async () => {
    const runDir = await createRunDir();
    await writeLock(runDir, await getDeadPid());
    expect(await readRunLock(runDir)).toBeUndefined();

    const lock = await acquireRunLock(runDir, RUN_ID);
    expect(JSON.parse(await readFile(join(runDir, 'lock'), 'utf8')).pid).toBe(process.pid);
    await lock.release();
    expect(await readdir(runDir)).toEqual([]);
  });

  it.each([
    ['garbage', 'not json'],
    ['an empty file', ''],
    ['a record without a pid', '{"hostname":"h","startedAt":"x"}'],
  ])('reclaims a lock holding %s', async (_name, text) => {
    const runDir = await createRunDir();
    await writeFile(join(runDir, 'lock'), text);
    expect(await readRunLock(runDir)).toBeUndefined();
    const lock = await acquireRunLock(runDir, RUN_ID);
    await lock.release();
  });

  it('lets only one of two processes reclaiming the same stale lock win', async () => {
    const runDir = await createRunDir();
    await writeLock(runDir, await getDeadPid());
    const results = await Promise.allSettled([
      acquireRunLock(runDir, RUN_ID),
      acquireRunLock(runDir, RUN_ID),
      acquireRunLock(runDir, RUN_ID),
    ]);
    const winners = results.filter((result) => result.status === 'fulfilled');
    const losers = results.filter((result) => result.status === 'rejected');
    expect(winners).toHaveLength(1);
    for (const loser of losers) expect(loser.reason).toBeInstanceOf(RunLockedError);
    await winners[0]?.value.release();
    expect(await readdir(runDir)).toEqual([]);
  });

  it('clears the turn file of a reclaimer that died while reclaiming', async () => {
    const runDir = await createRunDir();
    const deadPid = await getDeadPid();
    await writeLock(runDir, deadPid);
    const turn = { pid: deadPid, hostname: hostname(), startedAt: '2026-11-23T17:22:00.000Z' };
    await writeFile(join(runDir, 'lock.reclaim'), JSON.stringify(turn));
    const lock = await acquireRunLock(runDir, RUN_ID);
    await lock.release();
    expect(await readdir(runDir)).toEqual([]);
  });

  it('counts a lock taken on another host as held', async () => {
    const runDir = await createRunDir();
    await writeLock(runDir, await getDeadPid(), `not-${hostname()}`);
    await expect(acquireRunLock(runDir, RUN_ID)).rejects.toBeInstanceOf(RunLockedError);
  });

  it('leaves the lock alone on release once it is no longer this process’s', async () => {
    const runDir = await createRunDir();
    const lock = await acquireRunLock(runDir, RUN_ID);
    const pid = await startLiveProcess();
    await writeLock(runDir, pid);
    await lock.release();
    expect(await readRunLock(runDir)).toMatchObject({ pid });
  });
});
