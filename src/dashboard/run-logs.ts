// The step logs the page keeps of a run: each step's output as its events bring it, marks where a
// step started again, and the parts the events stopped carrying (read from the log file instead).

import type { MiaEvent } from '../events/types.js';
import { formatClock } from './format.js';

/** A piece of a step's log; `mark` is the page's own line between two runs of the step. */
export interface LogChunk {
  stream: 'stdout' | 'stderr' | 'mark';
  text: string;
}

/**
 * Output of one attempt that the events stopped carrying (past their 1 MiB): the page reads it from
 * the step's log file, bytes `from` to `until` (null while the attempt may still be writing).
 * `chunk` is where it shows in the step's log; `next` is the offset of the next read.
 */
export interface LogFileSegment {
  stepId: string;
  from: number;
  until: number | null;
  next: number;
  chunk: LogChunk;
  isDone: boolean;
}

/** Keeps at most this many characters of each step's log in the page. */
const MAX_LOG_CHARS = 200_000;

export class RunLogs {
  readonly #chunks = new Map<string, LogChunk[]>();
  /** Output read from the log files, in the order the events left it out. */
  readonly files: LogFileSegment[] = [];
  /** Bumped for a step when a chunk already shown changes (a log file read into it). */
  readonly #revisions = new Map<string, number>();
  readonly #sizes = new Map<string, number>();

  /** The chunks of a step's log, oldest first. */
  get(stepId: string): readonly LogChunk[] {
    return this.#chunks.get(stepId) ?? [];
  }

  /** Changes when a chunk of the step's log already shown changed. */
  getRevision(stepId: string): number {
    return this.#revisions.get(stepId) ?? 0;
  }

  /** Takes what an event of the run adds to a log. */
  take(event: MiaEvent): void {
    if (event.type === 'workflow.step.started') {
      if (this.#chunks.get(event.payload.stepId)?.length) {
        const text = `── started again at ${formatClock(event.timestamp)} (attempt ${event.payload.attempt}) ──\n`;
        this.#append(event.payload.stepId, { stream: 'mark', text });
      }
    } else if (event.type === 'workflow.step.log') {
      const { stepId, stream, text, truncated } = event.payload;
      this.#append(stepId, { stream: truncated ? 'mark' : stream, text });
      if (truncated) this.#noteTruncation(stepId, truncated);
    }
  }

  /** Shows `text` (read from the log file) as the segment's part of the log, within the limit. */
  setFileText(segment: LogFileSegment, text: string): void {
    const shown = text.length > MAX_LOG_CHARS ? text.slice(-MAX_LOG_CHARS) : text;
    const { stepId } = segment;
    this.#sizes.set(
      stepId,
      (this.#sizes.get(stepId) ?? 0) + shown.length - segment.chunk.text.length,
    );
    segment.chunk.text = shown;
    this.#revisions.set(stepId, this.getRevision(stepId) + 1);
  }

  /** The events of an attempt stopped carrying its output: it is read from the file instead. */
  #noteTruncation(
    stepId: string,
    truncated: { logOffset: number; omittedBytes: number | null },
  ): void {
    const open = this.files.find((segment) => segment.stepId === stepId && segment.until === null);
    if (truncated.omittedBytes === null) {
      if (open) return;
      const chunk: LogChunk = { stream: 'stdout', text: '' };
      this.files.push({
        stepId,
        from: truncated.logOffset,
        until: null,
        next: truncated.logOffset,
        chunk,
        isDone: false,
      });
      // After the note that says the events stop, before the one that ends the attempt.
      const chunks = this.#chunks.get(stepId) ?? [];
      chunks.push(chunk);
      this.#chunks.set(stepId, chunks);
      return;
    }
    if (open) open.until = truncated.logOffset + truncated.omittedBytes;
  }

  #append(stepId: string, chunk: LogChunk): void {
    const chunks = this.#chunks.get(stepId) ?? [];
    chunks.push(chunk);
    let size = (this.#sizes.get(stepId) ?? 0) + chunk.text.length;
    while (size > MAX_LOG_CHARS && chunks.length > 1) size -= chunks.shift()?.text.length ?? 0;
    this.#chunks.set(stepId, chunks);
    this.#sizes.set(stepId, size);
  }
}
