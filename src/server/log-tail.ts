// Follows one run's events.jsonl as it grows: reads only appended bytes, waits for a line's newline,
// and hands each event on once, in seq order (events also offered directly are not repeated).

import { open, stat } from 'node:fs/promises';
import type { MiaEvent } from '../events/types.js';
import { migrateEvent } from '../store/event-reader.js';

const NEWLINE = 0x0a;
const FIRST_CHUNK_BYTES = 1024 * 1024;

/** The events a run ends with: after one, the run writes nothing until it is resumed. */
export const TERMINAL_EVENT_TYPES: ReadonlySet<string> = new Set([
  'workflow.completed',
  'workflow.failed',
  'workflow.interrupted',
]);

/** Follows one event log; `deliver` gets each event once, in seq order. */
export class LogTail {
  readonly runId: string;
  readonly path: string;
  /** The seq of the last event delivered (or skipped, in silent mode). */
  lastSeq = 0;
  /** The type of that event. */
  lastType: string | undefined;
  /** Why the log cannot be followed any more (a damaged line, a seq gap); undefined while fine. */
  problem: string | undefined;
  /** Deliveries are dropped while silent: used to skip the history of runs that already existed. */
  isSilent = false;
  readonly #deliver: (event: MiaEvent) => void;
  /** Byte offset of the end of the last complete line read. */
  #offset = 0;
  #seenSize = -1;
  #seenMtime = -1;
  #reading: Promise<void> | undefined;
  #isReadAgain = false;

  constructor(runId: string, path: string, deliver: (event: MiaEvent) => void) {
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

  /** An event from the run's own EventLog (written already): delivered now when it is the next. */
  offer(event: MiaEvent): void {
    if (this.problem !== undefined || event.seq <= this.lastSeq) return;
    if (event.seq === this.lastSeq + 1) {
      this.#accept(event);
      return;
    }
    // Events before it are not delivered yet: they are in the file, read them in order.
    void this.poll();
  }

  async #readAppended(): Promise<void> {
    if (this.problem !== undefined) return;
    let stats: Awaited<ReturnType<typeof stat>>;
    try {
      stats = await stat(this.path);
    } catch {
      return;
    }
    if (stats.size === this.#seenSize && stats.mtimeMs === this.#seenMtime) return;
    // Shorter than what was read: the log was cut back (a torn line repaired). Read it again from
    // the start; events already delivered are recognised by their seq and skipped.
    if (stats.size < this.#offset) this.#offset = 0;
    const file = await open(this.path, 'r').catch(() => undefined);
    if (!file) return;
    try {
      let chunk = FIRST_CHUNK_BYTES;
      while (this.#offset < stats.size && this.problem === undefined) {
        const length = Math.min(chunk, stats.size - this.#offset);
        const buffer = Buffer.alloc(length);
        const { bytesRead } = await file.read(buffer, 0, length, this.#offset);
        const end = buffer.subarray(0, bytesRead).lastIndexOf(NEWLINE) + 1;
        if (end === 0) {
          // No whole line yet: an event still being written, or a line longer than the chunk.
          if (length === stats.size - this.#offset) break;
          chunk *= 2;
          continue;
        }
        this.#consumeLines(buffer.subarray(0, end));
        this.#offset += end;
      }
      this.#seenSize = stats.size;
      this.#seenMtime = stats.mtimeMs;
    } finally {
      await file.close();
    }
  }

  #consumeLines(bytes: Buffer): void {
    const lines = bytes.toString('utf8').split('\n');
    lines.pop();
    for (const line of lines) {
      const event = this.#parse(line);
      if (event === undefined) return;
      if (event.seq <= this.lastSeq) continue;
      if (event.seq !== this.lastSeq + 1) {
        this.problem = `${this.path}: expected event seq ${this.lastSeq + 1}, found ${event.seq}.`;
        return;
      }
      this.#accept(event);
    }
  }

  #parse(line: string): MiaEvent | undefined {
    try {
      const raw = JSON.parse(line) as unknown;
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
        throw new Error('not an object');
      const event = migrateEvent(raw as Record<string, unknown>, this.path) as unknown as MiaEvent;
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

  #accept(event: MiaEvent): void {
    this.lastSeq = event.seq;
    this.lastType = event.type;
    if (!this.isSilent) this.#deliver(event);
  }
}
