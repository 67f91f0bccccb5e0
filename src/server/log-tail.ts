// Follows one run's events.jsonl as it grows: reads only appended bytes, waits for a line's newline,
// and hands each event on once, in seq order (events also offered directly are not repeated).
// Nothing is handed on before it may be shown: for a log attached in process, only what it has
// published; for another process's log, a durable event only once it is fsynced.

import { type FileHandle, open, stat } from 'node:fs/promises';
import { TERMINAL_EVENT_TYPES } from '../events/statuses.js';
import { DURABLE_EVENT_TYPES, type EventType, type MiaEvent } from '../events/types.js';
import { type MigrationContext, migrateEvent } from '../store/event-reader.js';

const NEWLINE = 0x0a;
/** Errors of an fsync refused because the handle is open for reading only. */
const READ_ONLY_SYNC_CODES: ReadonlySet<string> = new Set(['EPERM', 'EBADF', 'EACCES', 'EINVAL']);
const FIRST_CHUNK_BYTES = 1024 * 1024;

/** Follows one event log; `deliver` gets each event once, in seq order. */
export class LogTail {
  readonly runId: string;
  readonly path: string;
  /** The seq of the last event delivered (or skipped, in silent mode). */
  lastSeq = 0;
  /** The type of that event. */
  lastType: EventType | undefined;
  /** Why the log cannot be followed any more (a damaged line, a seq gap); undefined while fine. */
  problem: string | undefined;
  /** Deliveries are dropped while silent: used to skip the history of runs that already existed. */
  isSilent = false;
  readonly #deliver: (event: MiaEvent, json: Buffer | undefined) => void;
  /** While the run's EventLog is attached: the last seq it published. Undefined otherwise. */
  #publishedSeq: number | undefined;
  /** Byte offset of the end of the last complete line read. */
  #offset = 0;
  #seenSize = -1;
  #seenMtime = -1;
  #reading: Promise<void> | undefined;
  /** A silent tail's history: the log's size when it first looked (even if it read it later). */
  #historyEnd: number | undefined;
  #isReadAgain = false;
  /** What the log told so far that migrating its older events needs. */
  readonly #migration: MigrationContext = {};

  constructor(
    runId: string,
    path: string,
    deliver: (event: MiaEvent, json: Buffer | undefined) => void,
  ) {
    this.runId = runId;
    this.path = path;
    this.#deliver = deliver;
  }

  /**
   * Reads what was appended since the last read and delivers its events. Calls made while a read
   * is under way are folded into one more read after it, so nothing appended is missed.
   */
  poll(): Promise<void> {
    if (this.#reading) {
      this.#isReadAgain = true;
      return this.#reading;
    }
    this.#reading = (async () => {
      do {
        this.#isReadAgain = false;
        await this.#readAppended();
      } while (this.#isReadAgain && this.problem === undefined);
    })().finally(() => {
      this.#reading = undefined;
    });
    return this.#reading;
  }

  /** While the run's EventLog is attached, the last seq it published; undefined otherwise. */
  get publishedSeq(): number | undefined {
    return this.#publishedSeq;
  }

  /** True while the run's EventLog is attached: its publications drive the tail. */
  get isAttached(): boolean {
    return this.#publishedSeq !== undefined;
  }

  /** From now on the file is read only up to what the run's EventLog has published, never ahead. */
  attach(publishedSeq: number): void {
    this.#publishedSeq = publishedSeq;
  }

  /** The log is no longer attached: the file is followed as another process's would be. */
  detach(): void {
    this.#publishedSeq = undefined;
  }

  /** An event the run's own EventLog published, with its JSON as written: delivered when next. */
  offer(event: MiaEvent, json: Buffer): void {
    if (this.#publishedSeq !== undefined && event.seq > this.#publishedSeq) {
      this.#publishedSeq = event.seq;
    }
    if (this.problem !== undefined || event.seq <= this.lastSeq) return;
    if (event.seq === this.lastSeq + 1) {
      this.#accept(event, json);
      return;
    }
    // Events before it are not delivered yet: they are in the file (published), read them in order.
    void this.poll();
  }

  async #readAppended(): Promise<void> {
    if (this.problem !== undefined) return;
    let stats: Awaited<ReturnType<typeof stat>>;
    try {
      stats = await stat(this.path);
    } catch (error) {
      // No log yet: nothing to skip, its events are news from the first.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') this.isSilent = false;
      return;
    }
    if (stats.size === this.#seenSize && stats.mtimeMs === this.#seenMtime) return;
    // A log that cannot be opened now (no file descriptor left) is history up to this size.
    if (this.isSilent) this.#historyEnd ??= stats.size;
    // Shorter than what was read: the log was cut back (a torn line repaired). Read it again from
    // the start; events already delivered are recognised by their seq and skipped.
    if (stats.size < this.#offset) this.#offset = 0;
    const file = await open(this.path, 'r').catch(() => undefined);
    if (!file) return;
    try {
      if (this.isSilent) {
        if (!(await this.#readUpTo(file, Math.min(stats.size, this.#historyEnd ?? 0)))) return;
        this.isSilent = false;
      }
      if (!(await this.#readUpTo(file, stats.size))) return;
      this.#seenSize = stats.size;
      this.#seenMtime = stats.mtimeMs;
    } finally {
      await file.close();
    }
  }

  /** Hands on the whole lines up to byte `size`; false when an attached log has not published more. */
  async #readUpTo(file: FileHandle, size: number): Promise<boolean> {
    let chunk = FIRST_CHUNK_BYTES;
    while (this.#offset < size && this.problem === undefined) {
      const length = Math.min(chunk, size - this.#offset);
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await file.read(buffer, 0, length, this.#offset);
      const end = buffer.subarray(0, bytesRead).lastIndexOf(NEWLINE) + 1;
      if (end === 0) {
        // No whole line yet: an event still being written, or a line longer than the chunk.
        if (length === size - this.#offset) break;
        chunk *= 2;
        continue;
      }
      const { events, consumed } = this.#readLines(buffer.subarray(0, end));
      await this.#confirm(file, events);
      for (const event of events) this.#accept(event, undefined);
      this.#offset += consumed;
      if (consumed < end) return false;
    }
    return true;
  }

  /**
   * The next events in whole lines of the log, and how many bytes they take. Stops before an event
   * the attached log has not published, and at a damaged line or a seq gap (setting `problem`).
   */
  #readLines(bytes: Buffer): { events: MiaEvent[]; consumed: number } {
    const events: MiaEvent[] = [];
    let lastSeq = this.lastSeq;
    let start = 0;
    for (let end = bytes.indexOf(NEWLINE); end >= 0; end = bytes.indexOf(NEWLINE, start)) {
      const event = this.#parse(bytes.toString('utf8', start, end));
      if (event === undefined) break;
      if (this.#publishedSeq !== undefined && event.seq > this.#publishedSeq) break;
      if (event.seq > lastSeq) {
        if (event.seq !== lastSeq + 1) {
          this.problem = `${this.path}: expected event seq ${lastSeq + 1}, found ${event.seq}.`;
          break;
        }
        events.push(event);
        lastSeq = event.seq;
      }
      start = end + 1;
    }
    return { events, consumed: start };
  }

  /**
   * Makes `events` durable before they are handed on when the log is another process's (its writer
   * shows a durable event only after an fsync); an attached log's events are durable already.
   */
  async #confirm(file: FileHandle, events: readonly MiaEvent[]): Promise<void> {
    if (this.isAttached || this.isSilent) return;
    await makeReadEventsDurable(file, this.path, events);
  }

  #parse(line: string): MiaEvent | undefined {
    try {
      const raw = JSON.parse(line) as unknown;
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
        throw new Error('not an object');
      const event = migrateEvent(
        raw as Record<string, unknown>,
        this.path,
        this.#migration,
      ) as unknown as MiaEvent;
      if (typeof event.seq !== 'number' || typeof event.type !== 'string') {
        throw new Error('no seq or type');
      }
      return event;
    } catch (error) {
      this.problem = `${this.path}: a line is not a readable event (${(error as Error).message}); no longer following this run.`;
      return undefined;
    }
  }

  /** True when the last event read ends the run (it writes nothing more until resumed). */
  get isEnded(): boolean {
    return this.lastType !== undefined && TERMINAL_EVENT_TYPES.has(this.lastType);
  }

  #accept(event: MiaEvent, json: Buffer | undefined): void {
    this.lastSeq = event.seq;
    this.lastType = event.type;
    if (!this.isSilent) this.#deliver(event, json);
  }
}

/**
 * Makes `events`, just read from the log at `path` through `file`, durable when one must be (the
 * fsync of any descriptor of the file flushes what every writer wrote). Throws when it fails.
 */
export async function makeReadEventsDurable(
  file: FileHandle,
  path: string,
  events: readonly MiaEvent[],
): Promise<void> {
  if (!events.some((event) => DURABLE_EVENT_TYPES.has(event.type))) return;
  try {
    await file.sync().catch(async (error: NodeJS.ErrnoException) => {
      // Some systems (Windows) fsync only through a handle open for writing.
      if (!READ_ONLY_SYNC_CODES.has(error.code ?? '')) throw error;
      const writable = await open(path, 'r+');
      await writable.sync().finally(() => writable.close());
    });
  } catch (error) {
    throw new Error(
      `${path}: could not make the events read durable (fsync failed: ${(error as Error).message}); they are held until it succeeds.`,
    );
  }
}
