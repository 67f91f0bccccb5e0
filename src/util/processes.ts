// Whether a process still runs: signal 0 finds it, and on Linux /proc tells a zombie from the living.
// And how long a step's process group gets to stop, which the engine waits for too.

import { readFileSync } from 'node:fs';

/** How long a step's process group gets between SIGTERM and SIGKILL. */
export const KILL_GRACE_MS = 2000;

/**
 * True while the process `pid` exists and is not a zombie. A killed process stays a zombie until
 * its parent reaps it, which for an orphan is init, and some inits (containers) take seconds or
 * never do; a zombie holds nothing, so it counts as dead. A process of another user counts as
 * running.
 */
export function isProcessRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (process.platform !== 'linux') return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The state follows the parenthesised command name, which may itself hold spaces or ')'.
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}
