// The live feed of every run of a workspace, including runs of other `mia` processes: watches
// `.mia/runs/*/events.jsonl` (fs.watch plus polling) and hands on each event once, in seq order,
// never before it may be shown (see LogTail).

import { type FSWatcher, watch } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import pLimit from 'p-limit';
import { TERMINAL_EVENT_TYPES } from '../events/statuses.js';
import type { MiaEvent } from '../events/types.js';
import type { EventLog } from '../store/event-log.js';
import { readEvents } from '../store/event-reader.js';
import { getEventsPath, getRunsDir } from '../store/paths.js';
import { isRunId } from '../util/names.js';
import { LogTail, makeReadEventsDurable } from './log-tail.js';

/**
 * Hears an event of any run; `json` is the event's JSON as its log wrote it, when the event came
 * from an EventLog of this process (else serialise the event).
 */
export type FeedListener = (event: MiaEvent, json: Buffer | undefined) => void;

/** How often the feed looks for new runs and appended events when fs.watch says nothing. */
export const DEFAULT_POLL_MS = 250;
/** Logs read at once, at most: thousands of runs must not use up the process's open files. */
const MAX_READS_AT_ONCE = 16;
/** Finished runs looked at per poll besides the newest as many (see RunFeed.#pickEnded). */
export const DEFAULT_ENDED_PER_POLL = 64;

export interface RunFeedOptions {
  workspace: string;
  pollMs?: number;
  /** How many finished runs, besides the newest as many, are looked at per poll. */
  endedPerPoll?: number;
  /** Told when a run's log cannot be followed (damaged), or a listener throws. */
  onProblem?: (message: string) => void;
}

/**
 * Follows every run of a workspace. Runs that exist when it starts are followed from their end
 * (their history is read with `readSince`); runs that appear later are followed from seq 1.
 */
export class RunFeed {
  readonly workspace: string;
  readonly #pollMs: number;
  readonly #endedPerPoll: number;
  /** Where the turn of the older finished runs stands (see #pickEnded). */
  #endedTurn = 0;
  readonly #readLimit = pLimit(MAX_READS_AT_ONCE);
  readonly #onProblem: (message: string) => void;
  readonly #tails = new Map<string, LogTail>();
  readonly #watchers = new Map<string, FSWatcher>();
  readonly #listeners = new Set<FeedListener>();
  readonly #reported = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #isClosed = false;
  #scanning: Promise<void> | undefined;

  constructor(options: RunFeedOptions) {
    this.workspace = options.workspace;
    this.#pollMs = options.pollMs ?? DEFAULT_POLL_MS;
    this.#endedPerPoll = options.endedPerPoll ?? DEFAULT_ENDED_PER_POLL;
    this.#onProblem = options.onProblem ?? (() => {});
  }

  /** Reads where every existing run stands (without delivering), then starts watching. */
  async start(): Promise<void> {
    await this.#scan(true);
    this.#timer = setInterval(() => void this.#tick(), this.#pollMs);
    this.#timer.unref();
  }

  /** Calls `listener` with every new event of every run. Returns the function that unsubscribes. */
  subscribe(listener: FeedListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /**
   * Delivers the events of an in-process run as the EventLog publishes them, never ahead of it
   * (the file is read only for what it published before this call). Events are never delivered
   * twice. Returns the detach function, after which the file is followed again.
   */
  attachLog(log: EventLog): () => void {
    const tail = this.#getTail(log.runId, false);
    tail.attach(log.publishedSeq);
    this.#unwatch(tail.runId);
    const unsubscribe = log.subscribe((event, json) => tail.offer(event, json));
    void this.#pollTail(tail);
    return () => {
      unsubscribe();
      tail.detach();
      if (!tail.isEnded) this.#watchTail(tail);
    };
  }

  /**
   * The events of a run's log with a seq above `since` that may be shown now: of a log attached
   * in process, those it has published (the rest come live); of another process's log, all of
   * them once the file is fsynced (a durable event is never shown before it is on disk).
   */
  async readSince(runId: string, since: number): Promise<MiaEvent[]> {
    const path = getEventsPath(this.workspace, runId);
    const { events } = await readEvents(path);
    const published = this.#tails.get(runId)?.publishedSeq;
    const fresh = events.filter(
      (event) => event.seq > since && (published === undefined || event.seq <= published),
    );
    if (published === undefined) {
      const file = await open(path, 'r');
      await makeReadEventsDurable(file, path, fresh).finally(() => file.close());
    }
    return fresh;
  }

  /** Stops watching; nothing is delivered afterwards. */
  close(): void {
    this.#isClosed = true;
    clearInterval(this.#timer);
    for (const watcher of this.#watchers.values()) watcher.close();
    this.#watchers.clear();
    this.#listeners.clear();
  }

  async #tick(): Promise<void> {
    await this.#scan(false);
    const running: LogTail[] = [];
    const ended: LogTail[] = [];
    for (const tail of this.#tails.values()) {
      if (!tail.isAttached) (tail.isEnded ? ended : running).push(tail);
    }
    const polled = [...running, ...this.#pickEnded(ended)];
    await Promise.all(polled.map((tail) => this.#readLimit(() => this.#pollTail(tail))));
  }

  /**
   * The finished runs to look at in this poll (another process may resume one): all of them when
   * they are few; else the newest every time (a resume is most often of a recent run) and the
   * others in turn, so that thousands of runs cost a bounded number of `stat` calls per poll.
   * Tails are kept in run-id order, which is the order runs started in: the newest come last.
   */
  #pickEnded(ended: LogTail[]): LogTail[] {
    const each = this.#endedPerPoll;
    if (ended.length <= 2 * each) return ended;
    const older = ended.slice(0, -each);
    const from = this.#endedTurn % older.length;
    this.#endedTurn = from + each;
    const turn = older.slice(from, from + each);
    turn.push(...older.slice(0, each - turn.length));
    return [...turn, ...ended.slice(-each)];
  }

  /** Finds run folders; at the first scan their history is skipped rather than delivered. */
  #scan(isBaseline: boolean): Promise<void> {
    this.#scanning ??= (async () => {
      const runsDir = getRunsDir(this.workspace);
      const names = await readdir(runsDir).catch(() => [] as string[]);
      this.#watch('', runsDir, () => void this.#scan(false));
      const fresh = names.filter((name) => isRunId(name) && !this.#tails.has(name)).sort();
      await Promise.all(
        fresh.map(async (runId) => {
          const tail = this.#getTail(runId, isBaseline);
          await this.#readLimit(() => this.#pollTail(tail));
          if (!tail.isEnded) this.#watchTail(tail);
        }),
      );
    })().finally(() => {
      this.#scanning = undefined;
    });
    return this.#scanning;
  }

  #getTail(runId: string, isSilent: boolean): LogTail {
    let tail = this.#tails.get(runId);
    if (!tail) {
      tail = new LogTail(runId, getEventsPath(this.workspace, runId), (event, json) =>
        this.#deliver(event, json),
      );
      tail.isSilent = isSilent;
      this.#tails.set(runId, tail);
    }
    return tail;
  }

  /** Watches a tail's file, unless its log is attached (its publications drive it then). */
  #watchTail(tail: LogTail): void {
    if (tail.isAttached) return;
    this.#watch(tail.runId, tail.path, () => void this.#pollTail(tail));
  }

  async #pollTail(tail: LogTail): Promise<void> {
    if (this.#isClosed) return;
    await tail.poll().catch((error: unknown) => this.#report(tail.runId, String(error)));
    if (tail.problem !== undefined) this.#report(tail.runId, tail.problem);
  }

  #deliver(event: MiaEvent, json: Buffer | undefined): void {
    if (this.#isClosed) return;
    // A finished run writes nothing until it is resumed; polling notices that, so stop watching.
    const tail = this.#tails.get(event.runId);
    if (TERMINAL_EVENT_TYPES.has(event.type)) this.#unwatch(event.runId);
    else if (tail) this.#watchTail(tail);
    for (const listener of this.#listeners) {
      try {
        listener(event, json);
      } catch (error) {
        this.#onProblem(`A feed listener failed: ${(error as Error).message}`);
      }
    }
  }

  /** Watches a file or folder (key '' is the runs folder); polling covers whatever fails. */
  #watch(key: string, path: string, onChange: () => void): void {
    if (this.#isClosed || this.#watchers.has(key)) return;
    try {
      const watcher = watch(path, { persistent: false }, onChange);
      watcher.on('error', () => this.#unwatch(key));
      this.#watchers.set(key, watcher);
    } catch {
      // Not there yet (no runs folder, no events.jsonl): the next poll looks again.
    }
  }

  #unwatch(key: string): void {
    this.#watchers.get(key)?.close();
    this.#watchers.delete(key);
  }

  #report(runId: string, message: string): void {
    if (this.#reported.has(runId)) return;
    this.#reported.add(runId);
    this.#onProblem(message);
  }
}
