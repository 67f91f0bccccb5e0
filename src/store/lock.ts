// The per-run lock: one process at a time appends to a run; a dead holder's lock is reclaimed.

import { randomUUID } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { link, readFile, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { MiaError, RunLockedError } from '../errors.js';
import { isProcessRunning } from '../util/processes.js';

/** File name of the lock inside a run directory. */
export const LOCK_FILE = 'lock';

const MAX_ATTEMPTS = 100;
const RECLAIM_WAIT_MS = 5;

/** Who holds a run's lock (the JSON inside the lock file). */
export interface RunLockHolder {
  pid: number;
  hostname: string;
  startedAt: string;
}

/** A lock this process holds. */
export interface RunLock {
  /** Removes the lock file if it is still this lock's; releasing twice does nothing. */
  release(): Promise<void>;
}

interface LockRecord extends RunLockHolder {
  /** Tells this process's locks from a dead process's that had the same pid. */
  token?: string;
}

/** The locks this process holds or is taking: token → lock path. */
const heldLocks = new Map<string, string>();
let isExitHandlerInstalled = false;

/**
 * Takes the lock of the run in `runDir` (which must exist). Throws RunLockedError naming the pid
 * when a live process holds it; a lock left by a dead process, or holding garbage, is reclaimed.
 * A lock taken on another host counts as live (its process cannot be checked from here).
 * The lock is also released when this process exits normally.
 */
export async function acquireRunLock(runDir: string, runId: string): Promise<RunLock> {
  const path = join(runDir, LOCK_FILE);
  const token = randomUUID();
  const record: LockRecord = {
    pid: process.pid,
    hostname: hostname(),
    startedAt: new Date().toISOString(),
    token,
  };
  // Written aside then linked into place, so the lock never exists without its content.
  const tempPath = `${path}.${token}.tmp`;
  await writeFile(tempPath, `${JSON.stringify(record)}\n`, { flag: 'wx' });
  heldLocks.set(token, path);
  try {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      if (await tryLink(tempPath, path)) {
        installExitHandler();
        return { release: () => releaseLock(path, token) };
      }
      const seen = await readLockText(path);
      if (seen === undefined) continue;
      const holder = parseRecord(seen);
      if (holder && isHolderAlive(holder)) throw new RunLockedError(runId, holder.pid);
      await removeStaleLock(path, seen, tempPath);
    }
    throw new MiaError('MIA_STORE_LOCK_CONTENDED', `Could not take the lock of run ${runId}.`, {
      hint: 'Other processes keep taking and dropping it; try again in a moment.',
    });
  } catch (error) {
    heldLocks.delete(token);
    throw error;
  } finally {
    await unlink(tempPath).catch(() => undefined);
  }
}

/**
 * Who holds the lock of the run in `runDir`, if a live process does (a run in progress);
 * undefined when there is no lock or its holder is dead (a crashed run).
 */
export async function readRunLock(runDir: string): Promise<RunLockHolder | undefined> {
  const text = await readLockText(join(runDir, LOCK_FILE));
  const holder = text === undefined ? undefined : parseRecord(text);
  if (!holder || !isHolderAlive(holder)) return undefined;
  return { pid: holder.pid, hostname: holder.hostname, startedAt: holder.startedAt };
}

async function tryLink(from: string, to: string): Promise<boolean> {
  try {
    await link(from, to);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/**
 * Removes the lock whose text was `seen` (its holder is dead), if it is still that lock.
 * Reclaimers take turns through `lock.reclaim` (linked from `tempPath`, like the lock), so no one
 * can replace the lock between the second read and the removal: two processes reclaiming at once
 * never both win.
 */
async function removeStaleLock(path: string, seen: string, tempPath: string): Promise<void> {
  const turnPath = `${path}.reclaim`;
  if (!(await tryLink(tempPath, turnPath))) {
    await waitForOtherReclaimer(turnPath);
    return;
  }
  try {
    if ((await readLockText(path)) === seen) await unlink(path).catch(ignoreMissing);
  } finally {
    await unlink(turnPath).catch(ignoreMissing);
  }
}

async function waitForOtherReclaimer(turnPath: string): Promise<void> {
  const text = await readLockText(turnPath);
  if (text === undefined) return;
  const holder = parseRecord(text);
  // A reclaimer that died in its turn leaves the turn file behind; anyone may clear it.
  if (holder && isHolderAlive(holder)) await delay(RECLAIM_WAIT_MS);
  else await unlink(turnPath).catch(ignoreMissing);
}

async function releaseLock(path: string, token: string): Promise<void> {
  if (!heldLocks.has(token)) return;
  const text = await readLockText(path);
  if (text !== undefined && parseRecord(text)?.token === token) {
    await unlink(path).catch(ignoreMissing);
  }
  heldLocks.delete(token);
}

function installExitHandler(): void {
  if (isExitHandlerInstalled) return;
  isExitHandlerInstalled = true;
  process.on('exit', () => {
    for (const [token, path] of heldLocks) {
      try {
        if (parseRecord(readFileSync(path, 'utf8'))?.token === token) unlinkSync(path);
      } catch {
        // Exiting: a lock that cannot be removed now is reclaimed later, its pid being dead.
      }
    }
  });
}

function isHolderAlive(holder: LockRecord): boolean {
  if (holder.hostname !== hostname()) return true;
  if (holder.pid === process.pid) return holder.token !== undefined && heldLocks.has(holder.token);
  return isProcessRunning(holder.pid);
}

function parseRecord(text: string): LockRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Partial<LockRecord>;
  const { pid, hostname: host, startedAt, token } = record;
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) return undefined;
  if (typeof host !== 'string' || typeof startedAt !== 'string') return undefined;
  return { pid, hostname: host, startedAt, ...(typeof token === 'string' ? { token } : {}) };
}

async function readLockText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    ignoreMissing(error);
    return undefined;
  }
}

function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
}
