// Finds and stops processes a crashed run left behind, so a step never runs twice at once.

import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { isProcessRunning } from '../util/processes.js';

/**
 * Every step process carries MIA_RUN_ID in its environment. When a run's engine died, its steps'
 * process groups may live on; before resuming, they are killed. Linux only (it reads /proc);
 * elsewhere this finds nothing.
 */
export async function reapOrphans(runId: string): Promise<number[]> {
  const marker = `MIA_RUN_ID=${runId}`;
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      const environ = await readFile(`/proc/${pid}/environ`, 'utf8');
      const variables = environ.split('\0');
      if (!variables.includes(marker)) continue;
      // A worker's step on this machine (`mia worker`) is the worker's to stop, not the run's.
      if (variables.some((variable) => variable.startsWith('MIA_WORKER='))) continue;
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      // Field 5 (after the parenthesised command name) is the process group id.
      const pgid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      killQuietly(-pgid);
      killQuietly(pid);
      found.push(pid);
    } catch {
      // Gone already, or not ours to read.
    }
  }
  for (let i = 0; i < 40 && found.some(isProcessRunning); i++) await sleep(50);
  return found;
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
