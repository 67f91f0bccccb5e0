// The run feed when the process is short of open files: a log it could not open while it skipped
// the history of the runs that already existed stays history, never delivered later as news.

import * as fs from 'node:fs/promises';
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MiaEvent } from '../../src/events/types.js';
import { RunFeed } from '../../src/server/feed.js';
import { createWorkspace } from '../helpers/cli.js';
import { RunEvents } from '../helpers/run-events.js';

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return { ...actual, open: vi.fn(actual.open) };
});

let feed: RunFeed | undefined;
afterEach(() => {
  feed?.close();
  feed = undefined;
  vi.mocked(fs.open).mockClear();
});

describe('RunFeed short of open files', () => {
  it('keeps skipping the history of a run whose log it could not open at start, and follows it from there', async () => {
    const ws = await createWorkspace();
    const path = join(ws, '.mia/runs/run-old/events.jsonl');
    await mkdir(join(ws, '.mia/runs/run-old'), { recursive: true });
    const run = new RunEvents('run-old').start(['a:']).add('workflow.completed', { durationMs: 1 });
    await writeFile(path, run.events.map((event) => `${JSON.stringify(event)}\n`).join(''));
    // The first time the feed opens the log, the process has no file descriptor left.
    vi.mocked(fs.open).mockImplementationOnce(() =>
      Promise.reject(Object.assign(new Error('EMFILE: too many open files'), { code: 'EMFILE' })),
    );
    feed = new RunFeed({ workspace: ws, pollMs: 20 });
    const received: MiaEvent[] = [];
    feed.subscribe((event) => received.push(event));
    await feed.start();
    expect(vi.mocked(fs.open)).toHaveBeenCalledTimes(1);

    // Resumed by another process: only what it appends is news.
    run.resume(['a']);
    await appendFile(path, `${JSON.stringify(run.events.at(-1))}\n`);
    await expect.poll(() => received.length, { timeout: 20_000 }).toBeGreaterThan(0);
    expect(received.map((event) => event.type)).toEqual(['workflow.resumed']);
  });
});
