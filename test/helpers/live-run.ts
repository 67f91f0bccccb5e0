// A `mia` process started in the background, and waits on the events its run writes.

import { setTimeout as sleep } from 'node:timers/promises';
import { startMia } from './cli.js';
import { readRunEvents, type StoredEvent } from './run-files.js';

/** Gives up on an awaited event after this long (a safety net, not an assertion). */
const GIVE_UP_MS = 20_000;
const POLL_MS = 50;

export interface LiveRun {
  child: ReturnType<typeof startMia>;
  /** The run id from the `run <id>` line, once printed. */
  runId(): string | undefined;
  /**
   * Resolves with the events matching `predicate` once there are `count` of them in the run's
   * events.jsonl; rejects (with the process's output) if the process ends first.
   */
  waitForEvents(predicate: (event: StoredEvent) => boolean, count?: number): Promise<StoredEvent[]>;
}

/** Starts `mia <args>` in `cwd` and follows the run it prints. */
export function startLiveRun(
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): LiveRun {
  const child = startMia(args, options);
  let stdout = '';
  let stderr = '';
  let hasExited = false;
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  void child.then(() => {
    hasExited = true;
  });
  const runId = () => /^run (\S+)$/m.exec(stdout)?.[1];
  return {
    child,
    runId,
    async waitForEvents(predicate, count = 1) {
      const giveUpAt = Date.now() + GIVE_UP_MS;
      for (;;) {
        // Read the exit flag first: events written before the exit are then surely seen.
        const isOver = hasExited;
        const id = runId();
        const events = id ? await readRunEvents(options.cwd, id).catch(() => []) : [];
        const matching = events.filter(predicate);
        if (matching.length >= count) return matching;
        if (isOver || Date.now() > giveUpAt) {
          throw new Error(
            `the awaited event never came (${isOver ? 'the process ended' : 'gave up'})\nstdout:\n${stdout}\nstderr:\n${stderr}`,
          );
        }
        await sleep(POLL_MS);
      }
    },
  };
}

/** Matches an event of `type`, for `stepId` when given. */
export function isEvent(type: string, stepId?: string): (event: StoredEvent) => boolean {
  return (event) =>
    event.type === type && (stepId === undefined || event.payload.stepId === stepId);
}
