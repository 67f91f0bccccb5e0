// The run feed: every event of every run once, in seq order, whether it comes from the file or
// from an attached in-process EventLog; torn lines wait for their newline; nothing is handed on
// before it is durable.

import { appendFile, mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MiaEvent } from '../../src/events/types.js';
import { RunFeed } from '../../src/server/feed.js';
import { LogTail } from '../../src/server/log-tail.js';
import type { EventLog } from '../../src/store/event-log.js';
import { createWorkspace } from '../helpers/cli.js';
import { RunEvents } from '../helpers/run-events.js';
import { createControlledFs } from '../store/helpers.js';
import { appendLogEvents, createRunLog, range, seqsOf } from './helpers.js';

let feed: RunFeed | undefined;
afterEach(() => {
  feed?.close();
  feed = undefined;
  vi.restoreAllMocks();
});

/**
 * Counts the feed's reads of each run's log: `since()` marks a moment, and `count(runId, mark)`
 * is how many reads of that log called after it have finished (the feed has looked at the file
 * again since then, and whatever it was going to deliver from it, it has).
 */
function watchReads() {
  const polls = vi.spyOn(LogTail.prototype, 'poll');
  return {
    since: () => polls.mock.calls.length,
    count: (runId: string, mark: number) =>
      polls.mock.settledResults.filter(
        (result, index) =>
          index >= mark &&
          result.type !== 'incomplete' &&
          (polls.mock.contexts[index] as LogTail).runId === runId,
      ).length,
  };
}

/** An empty events.jsonl of `runId`, as another process starts it; returns its path. */
async function createEmptyLog(workspace: string, runId: string): Promise<string> {
  const dir = join(workspace, '.mia/runs', runId);
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'events.jsonl');
  await writeFile(path, '');
  return path;
}

/** Makes every fsync through a FileHandle fail with `code` until the mocks are restored. */
async function failFileHandleSyncs(path: string, code = 'EIO') {
  const handle = await open(path, 'r');
  const prototype = Object.getPrototypeOf(handle) as { sync(): Promise<void> };
  await handle.close();
  return vi
    .spyOn(prototype, 'sync')
    .mockRejectedValue(Object.assign(new Error(`${code}: fsync refused`), { code }));
}

/** Appends events to a log file as another process writes them, one JSON line each. */
async function appendEvents(path: string, events: readonly MiaEvent[]): Promise<void> {
  await appendFile(path, events.map((event) => `${JSON.stringify(event)}\n`).join(''));
}

/** Closes a log whose fsyncs are held: its last fsync is let through. */
async function closeWithHeldSync(
  log: EventLog,
  files: ReturnType<typeof createControlledFs>,
  waitUntil: (isDone: () => boolean) => Promise<void>,
): Promise<void> {
  const closing = log.close();
  await waitUntil(() => files.heldSyncCount > 0);
  files.releaseSync();
  await closing;
}

/** Starts a feed on `workspace` and collects what it delivers. */
async function follow(workspace: string) {
  const problems: string[] = [];
  feed = new RunFeed({ workspace, pollMs: 20, onProblem: (m) => problems.push(m) });
  const received: MiaEvent[] = [];
  let wake = () => {};
  feed.subscribe((event) => {
    received.push(event);
    wake();
  });
  await feed.start();
  const waitUntil = async (isDone: () => boolean) => {
    const giveUpAt = Date.now() + 20_000;
    while (!isDone()) {
      if (Date.now() > giveUpAt) throw new Error(`gave up; got ${seqsOf(received)}`);
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 100);
      });
    }
  };
  return { feed, received, problems, waitUntil };
}

describe('RunFeed', () => {
  it('delivers the events of a new run from seq 1, in order, each once', async () => {
    const ws = await createWorkspace();
    const { received, waitUntil } = await follow(ws);
    const log = await createRunLog(ws, 'run-a');
    appendLogEvents(log, 200);
    await log.close();
    await waitUntil(() => received.length >= 201);
    expect(seqsOf(received)).toEqual(range(1, 201));
  });

  it('follows runs that existed before it started from their end', async () => {
    const ws = await createWorkspace();
    const log = await createRunLog(ws, 'run-old');
    appendLogEvents(log, 10);
    const { received, waitUntil } = await follow(ws);
    appendLogEvents(log, 5);
    await log.close();
    await waitUntil(() => received.length >= 5);
    expect(seqsOf(received)).toEqual(range(12, 16));
  });

  it('never delivers twice an event that both the attached log and the file watcher see', async () => {
    const ws = await createWorkspace();
    const reads = watchReads();
    const { feed, received, waitUntil } = await follow(ws);
    const log = await createRunLog(ws, 'run-attached');
    const detach = feed.attachLog(log);
    for (let batch = 0; batch < 20; batch += 1) {
      appendLogEvents(log, 10);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await log.close();
    detach();
    await waitUntil(() => received.length >= 201);
    // The file is followed again: let the feed read it twice more, with every chance of a duplicate.
    const mark = reads.since();
    await waitUntil(() => reads.count('run-attached', mark) >= 2);
    expect(seqsOf(received)).toEqual(range(1, 201));
  });

  it('delivers the first events of an attached run from the file, then the rest directly', async () => {
    const ws = await createWorkspace();
    const { feed, received, waitUntil } = await follow(ws);
    const log = await createRunLog(ws, 'run-late-attach');
    appendLogEvents(log, 3);
    feed.attachLog(log);
    appendLogEvents(log, 3);
    await log.close();
    await waitUntil(() => received.length >= 7);
    expect(seqsOf(received)).toEqual(range(1, 7));
  });

  it('never delivers an event of an attached log before the log has fsynced and published it', async () => {
    const ws = await createWorkspace();
    const reads = watchReads();
    const { feed, received, waitUntil } = await follow(ws);
    const files = createControlledFs({ isSyncHeld: true });
    const log = await createRunLog(ws, 'run-held', { fs: files.fs });
    const published = new Set<number>();
    log.subscribe((event) => published.add(event.seq));
    const early: number[] = [];
    feed.subscribe((event) => {
      if (!published.has(event.seq)) early.push(event.seq);
    });
    const mark = reads.since();
    feed.attachLog(log);
    appendLogEvents(log, 3);
    await waitUntil(() => files.heldSyncCount > 0);
    // The feed has read the file, which holds the events, and shows none of them.
    await waitUntil(() => reads.count('run-held', mark) >= 1);
    expect(await feed.readSince('run-held', 0)).toEqual([]);
    expect(seqsOf(received)).toEqual([]);

    files.releaseSync();
    await waitUntil(() => received.length >= 4);
    expect(seqsOf(received)).toEqual(range(1, 4));
    expect(early).toEqual([]);
    await closeWithHeldSync(log, files, waitUntil);
  });

  it('holds a durable event read from the log of another process until it has fsynced the file', async () => {
    const ws = await createWorkspace();
    const reads = watchReads();
    const { received, problems, waitUntil } = await follow(ws);
    const path = await createEmptyLog(ws, 'run-other');
    const syncs = await failFileHandleSyncs(path);
    const run = new RunEvents('run-other').start(['a:']);
    await appendEvents(path, run.events);
    await waitUntil(() => problems.length > 0);
    expect(problems[0]).toMatch(/could not make the events read durable \(fsync failed: EIO/);
    // It tries again at each look, and still delivers nothing the disk does not hold.
    const mark = reads.since();
    const syncsBefore = syncs.mock.calls.length;
    await waitUntil(() => reads.count('run-other', mark) >= 2);
    expect(syncs.mock.calls.length).toBeGreaterThan(syncsBefore);
    expect(seqsOf(received)).toEqual([]);

    syncs.mockRestore();
    await waitUntil(() => received.length >= run.events.length);
    expect(seqsOf(received)).toEqual(range(1, run.events.length));
  });

  it('fsyncs through a handle open for writing where a read-only one is refused (as on Windows)', async () => {
    const ws = await createWorkspace();
    const { received, problems, waitUntil } = await follow(ws);
    const path = await createEmptyLog(ws, 'run-windows');
    // Refused once (through the read-only handle), then accepted (through the writable one).
    const syncs = await failFileHandleSyncs(path, 'EPERM');
    syncs.mockRejectedValueOnce(Object.assign(new Error('EPERM: refused'), { code: 'EPERM' }));
    syncs.mockResolvedValue(undefined);
    const run = new RunEvents('run-windows').start(['a:']);
    await appendEvents(path, run.events);
    await waitUntil(() => received.length >= run.events.length);
    expect(seqsOf(received)).toEqual(range(1, run.events.length));
    expect(syncs.mock.calls.length).toBeGreaterThanOrEqual(2);
    expect(problems).toEqual([]);
  });

  it('hands on events of the log of another process that need no fsync without one', async () => {
    const ws = await createWorkspace();
    const log = await createRunLog(ws, 'run-logs');
    const { received, problems, waitUntil } = await follow(ws);
    await failFileHandleSyncs(log.path);
    appendLogEvents(log, 5);
    await waitUntil(() => received.length >= 5);
    expect(seqsOf(received)).toEqual(range(2, 6));
    expect(problems).toEqual([]);
    await log.close();
  });

  it('waits for the newline of a line being written before delivering its event', async () => {
    const ws = await createWorkspace();
    const reads = watchReads();
    const { received, waitUntil } = await follow(ws);
    const run = new RunEvents('run-torn').start(['a:']).reach('a', 'completed');
    const lines = run.events.map((event) => `${JSON.stringify(event)}\n`);
    const dir = join(ws, '.mia/runs/run-torn');
    await mkdir(dir, { recursive: true });
    const path = join(dir, 'events.jsonl');
    const last = lines.pop() ?? '';
    await appendFile(path, `${lines.join('')}${last.slice(0, 20)}`);
    await waitUntil(() => received.length >= lines.length);
    // Read again since: the line without its newline is still not an event.
    const mark = reads.since();
    await waitUntil(() => reads.count('run-torn', mark) >= 2);
    expect(seqsOf(received)).toEqual(range(1, lines.length));
    await appendFile(path, last.slice(20));
    await waitUntil(() => received.length > lines.length);
    expect(seqsOf(received)).toEqual(range(1, lines.length + 1));
  });

  it('stops following a run whose log is damaged, and says so', async () => {
    const ws = await createWorkspace();
    const { received, problems, waitUntil } = await follow(ws);
    const dir = join(ws, '.mia/runs/run-damaged');
    await mkdir(dir, { recursive: true });
    const run = new RunEvents('run-damaged').start(['a:']);
    await appendFile(join(dir, 'events.jsonl'), `${JSON.stringify(run.events[0])}\nnot json\n`);
    await waitUntil(() => problems.length > 0);
    expect(seqsOf(received)).toEqual([1]);
    expect(problems[0]).toMatch(/not a readable event/);
  });

  it('reads from `since` only what an attached log has published (the rest comes live)', async () => {
    const ws = await createWorkspace();
    const { feed, waitUntil } = await follow(ws);
    const files = createControlledFs({ isSyncHeld: true });
    const log = await createRunLog(ws, 'run-replay-held', { fs: files.fs });
    feed.attachLog(log);
    appendLogEvents(log, 3);
    await waitUntil(() => files.heldSyncCount > 0);
    // Written to the file, not yet fsynced: nothing of it may be shown.
    expect(seqsOf(await feed.readSince('run-replay-held', 0))).toEqual([]);

    files.releaseSync();
    await waitUntil(() => log.publishedSeq >= 4);
    expect(seqsOf(await feed.readSince('run-replay-held', 0))).toEqual(range(1, 4));
    await closeWithHeldSync(log, files, waitUntil);
  });

  it('reads from `since` in the log of another process only once it has fsynced the file', async () => {
    const ws = await createWorkspace();
    const { feed } = await follow(ws);
    const path = await createEmptyLog(ws, 'run-replay-other');
    const run = new RunEvents('run-replay-other').start(['a:']);
    await appendEvents(path, run.events);
    const syncs = await failFileHandleSyncs(path);
    await expect(feed.readSince('run-replay-other', 0)).rejects.toThrow(
      /could not make the events read durable \(fsync failed: EIO/,
    );
    syncs.mockRestore();
    expect(seqsOf(await feed.readSince('run-replay-other', 0))).toEqual(
      range(1, run.events.length),
    );
  });

  it('reads a run from `since` with readSince', async () => {
    const ws = await createWorkspace();
    const log = await createRunLog(ws, 'run-since');
    appendLogEvents(log, 9);
    await log.close();
    const { feed } = await follow(ws);
    expect(seqsOf(await feed.readSince('run-since', 7))).toEqual([8, 9, 10]);
  });

  it('looks at a bounded number of finished runs per poll, the newest each time and the others in turn', async () => {
    const ws = await createWorkspace();
    const runs = new Map<string, { path: string; run: RunEvents }>();
    for (const n of [1, 2, 3, 4, 5, 6, 7]) {
      const runId = `run-${n}`;
      const run = new RunEvents(runId).start(['a:']).add('workflow.completed', { durationMs: 1 });
      const path = await createEmptyLog(ws, runId);
      await appendEvents(path, run.events);
      runs.set(runId, { path, run });
    }
    vi.useFakeTimers({ toFake: ['setInterval'] });
    try {
      feed = new RunFeed({ workspace: ws, pollMs: 1000, endedPerPoll: 2 });
      const received: MiaEvent[] = [];
      feed.subscribe((event) => received.push(event));
      await feed.start();
      const polled: string[] = [];
      const poll = LogTail.prototype.poll;
      vi.spyOn(LogTail.prototype, 'poll').mockImplementation(function (this: LogTail) {
        polled.push(this.runId);
        return poll.call(this);
      });
      /** The runs one poll of the feed looks at (all at once, once it has listed the runs). */
      const pollOnce = async () => {
        polled.length = 0;
        await vi.advanceTimersByTimeAsync(1000);
        await expect.poll(() => polled.length, { timeout: 20_000 }).toBeGreaterThan(0);
        return [...polled].sort();
      };
      expect(await pollOnce()).toEqual(['run-1', 'run-2', 'run-6', 'run-7']);
      expect(await pollOnce()).toEqual(['run-3', 'run-4', 'run-6', 'run-7']);
      expect(await pollOnce()).toEqual(['run-1', 'run-5', 'run-6', 'run-7']);

      // Another process resumes an older run: its turn comes, and its events flow again.
      const { path, run } = runs.get('run-3') ?? ({} as never);
      run.resume(['a']);
      await appendEvents(path, run.events.slice(-1));
      let looked: string[] = [];
      for (let turn = 0; turn < 3 && !looked.includes('run-3'); turn += 1)
        looked = await pollOnce();
      expect(looked).toContain('run-3');
      await expect.poll(() => received.length, { timeout: 20_000 }).toBe(1);
      expect(received.map((event) => `${event.runId}:${event.seq}`)).toEqual(['run-3:3']);
    } finally {
      vi.useRealTimers();
    }
  });
});
