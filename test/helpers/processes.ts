// Watching real processes from a test: whether one still runs, and waiting for a condition.

import { readFileSync } from 'node:fs';

/** True while a process with this pid runs (a zombie, dead but not yet reaped, does not count). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Waits until `predicate` holds, up to `ms`; returns whether it did. */
export async function waitUntil(predicate: () => boolean | Promise<boolean>, ms = 10_000) {
  const giveUpAt = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > giveUpAt) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return true;
}
