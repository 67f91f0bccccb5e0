// Shared helpers of the store tests: temp workspaces, payloads, and a file layer that can be slowed or broken.

import * as nodeFs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { EventPayloads, MiaEvent } from '../../src/events/types.js';
import type { EventLog, EventLogFs } from '../../src/store/event-log.js';

const workspaces: string[] = [];

/** A fresh temp workspace, removed after the test. */
export async function createWorkspace(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mia-store-'));
  workspaces.push(dir);
  return dir;
}

afterEach(async () => {
  await Promise.all(workspaces.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A durable payload (workflow.step.completed). */
export function completed(stepId: string): EventPayloads['workflow.step.completed'] {
  return { stepId, durationMs: 5, outputs: {}, attempt: 1 };
}

/** A non-durable payload (workflow.step.log). */
export function logLine(stepId: string, text: string): EventPayloads['workflow.step.log'] {
  return { stepId, stream: 'stdout', text };
}

/** Subscribes to `log` and returns the seqs published so far (a live array). */
export function recordPublished(log: EventLog): number[] {
  const seqs: number[] = [];
  log.subscribe((event: MiaEvent) => seqs.push(event.seq));
  return seqs;
}

/** Lets the clock move on, so that the next file created has a later birth time. */
export function letClockTick(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 10));
}

/** An error as node:fs throws it. */
export function createErrnoError(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${message}`), { code });
}

/** The real file layer, with fsync counted and optionally held until `releaseSync()`. */
export function createControlledFs(options: { isSyncHeld?: boolean } = {}) {
  const heldSyncs: Array<() => void> = [];
  const state = {
    fsyncCalls: 0,
    fs: {
      openSync: (path, flags) => nodeFs.openSync(path, flags),
      writeSync: (fd, buffer, offset, length) => nodeFs.writeSync(fd, buffer, offset, length),
      fsync: (fd, callback) => {
        state.fsyncCalls += 1;
        const run = (): void => nodeFs.fsync(fd, callback);
        if (options.isSyncHeld) heldSyncs.push(run);
        else run();
      },
      closeSync: (fd) => nodeFs.closeSync(fd),
    } satisfies EventLogFs as EventLogFs,
    /** Lets the oldest held fsync go ahead. */
    releaseSync(): void {
      const run = heldSyncs.shift();
      if (!run) throw new Error('no fsync is held');
      run();
    },
    get heldSyncCount(): number {
      return heldSyncs.length;
    },
  };
  return state;
}
