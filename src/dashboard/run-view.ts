// The selected run as the page knows it: the last fetched detail moved forward by the events
// since, plus what only the events tell (beats, tensions, logs), kept in `seq` order.

import type { Beat, MiaEvent } from '../events/types.js';
import type { RunDetail } from '../server/protocol.js';
import { applyEvent, describeLiveReality, STRUCTURAL_EVENT_TYPES } from './apply-event.js';
import { formatClock } from './format.js';

/** A tension of a step, with how to find out more; resolved once the step later completes. */
export interface TensionView {
  stepId: string;
  universe: string;
  text: string;
  message: string;
  hint: string | undefined;
  logPath: string;
  timestamp: string;
  isResolved: boolean;
}

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

/** What accepting an event did. */
export type AcceptResult = 'applied' | 'duplicate' | 'gap';

/** Keeps at most this many characters of each step's log in the page. */
const MAX_LOG_CHARS = 200_000;

export class RunView {
  readonly runId: string;
  /** The last `seq` taken in order: the `since` of a resubscription. */
  lastSeq = 0;
  /** The run as drawn: the fetched detail plus the events after it. */
  live: RunDetail | null = null;
  readonly beats: Beat[] = [];
  readonly tensions = new Map<string, TensionView>();
  readonly logs = new Map<string, LogChunk[]>();
  /** Output read from the log files, in the order the events left it out. */
  readonly logFiles: LogFileSegment[] = [];
  /** Bumped for a step when a chunk already shown changes (a log file read into it). */
  readonly logRevisions = new Map<string, number>();
  /** Set when an event asks for the run to be fetched again. */
  needsRefetch = false;
  #snapshot: RunDetail | null = null;
  /** Events newer than the snapshot that change the run's state. */
  #tail: MiaEvent[] = [];
  readonly #early = new Map<number, MiaEvent>();
  readonly #logSizes = new Map<string, number>();

  constructor(runId: string) {
    this.runId = runId;
  }

  /** Whether events are missing between `lastSeq` and some received later. */
  get hasGap(): boolean {
    return this.#early.size > 0;
  }

  /** Takes a freshly fetched detail; the events after it are applied again on top. */
  setSnapshot(detail: RunDetail): void {
    this.#snapshot = detail;
    this.#tail = this.#tail.filter((event) => event.seq > detail.lastSeq);
    const live = structuredClone(detail);
    for (const event of this.#tail) applyEvent(live, event);
    if (this.#tail.length > 0) live.reality = describeLiveReality(live);
    this.live = live;
  }

  /** Takes an event of this run; events arrive at least once, in any order. */
  accept(event: MiaEvent): AcceptResult {
    if (event.seq <= this.lastSeq || this.#early.has(event.seq)) return 'duplicate';
    if (event.seq > this.lastSeq + 1) {
      this.#early.set(event.seq, event);
      return 'gap';
    }
    this.#take(event);
    for (
      let next = this.#early.get(this.lastSeq + 1);
      next;
      next = this.#early.get(this.lastSeq + 1)
    ) {
      this.#early.delete(next.seq);
      this.#take(next);
    }
    return this.hasGap ? 'gap' : 'applied';
  }

  #take(event: MiaEvent): void {
    this.lastSeq = event.seq;
    this.#collect(event);
    if (event.type === 'workflow.step.log' || event.type === 'beat.created') return;
    if (this.#snapshot && event.seq <= this.#snapshot.lastSeq) return;
    this.#tail.push(event);
    if (STRUCTURAL_EVENT_TYPES.has(event.type)) this.needsRefetch = true;
    if (this.live) {
      applyEvent(this.live, event);
      this.live.reality = describeLiveReality(this.live);
    }
  }

  #collect(event: MiaEvent): void {
    switch (event.type) {
      case 'beat.created':
        this.beats.push(event.payload.beat);
        break;
      case 'workflow.tension': {
        const { stepId, universe, text, error, logPath } = event.payload;
        this.tensions.set(stepId, {
          stepId,
          universe,
          text,
          message: error.message,
          hint: error.hint,
          logPath,
          timestamp: event.timestamp,
          isResolved: false,
        });
        break;
      }
      case 'workflow.step.completed': {
        const tension = this.tensions.get(event.payload.stepId);
        if (tension) tension.isResolved = true;
        break;
      }
      case 'workflow.step.started':
        if (this.logs.get(event.payload.stepId)?.length) {
          const text = `── started again at ${formatClock(event.timestamp)} (attempt ${event.payload.attempt}) ──\n`;
          this.#appendLog(event.payload.stepId, { stream: 'mark', text });
        }
        break;
      case 'workflow.step.log': {
        const { stepId, stream, text, truncated } = event.payload;
        this.#appendLog(stepId, { stream: truncated ? 'mark' : stream, text });
        if (truncated) this.#noteTruncation(stepId, truncated);
        break;
      }
      default:
        break;
    }
  }

  /** The events of an attempt stopped carrying its output: it is read from the file instead. */
  #noteTruncation(
    stepId: string,
    truncated: { logOffset: number; omittedBytes: number | null },
  ): void {
    const open = this.logFiles.find(
      (segment) => segment.stepId === stepId && segment.until === null,
    );
    if (truncated.omittedBytes === null) {
      if (open) return;
      const chunk: LogChunk = { stream: 'stdout', text: '' };
      this.logFiles.push({
        stepId,
        from: truncated.logOffset,
        until: null,
        next: truncated.logOffset,
        chunk,
        isDone: false,
      });
      // After the note that says the events stop, before the one that ends the attempt.
      const chunks = this.logs.get(stepId) ?? [];
      chunks.push(chunk);
      this.logs.set(stepId, chunks);
      return;
    }
    if (open) open.until = truncated.logOffset + truncated.omittedBytes;
  }

  /** Shows `text` (read from the log file) as the segment's part of the log, within the limit. */
  setFileText(segment: LogFileSegment, text: string): void {
    const shown = text.length > MAX_LOG_CHARS ? text.slice(-MAX_LOG_CHARS) : text;
    const { stepId } = segment;
    this.#logSizes.set(
      stepId,
      (this.#logSizes.get(stepId) ?? 0) + shown.length - segment.chunk.text.length,
    );
    segment.chunk.text = shown;
    this.logRevisions.set(stepId, (this.logRevisions.get(stepId) ?? 0) + 1);
  }

  #appendLog(stepId: string, chunk: LogChunk): void {
    const chunks = this.logs.get(stepId) ?? [];
    chunks.push(chunk);
    let size = (this.#logSizes.get(stepId) ?? 0) + chunk.text.length;
    while (size > MAX_LOG_CHARS && chunks.length > 1) size -= chunks.shift()?.text.length ?? 0;
    this.logs.set(stepId, chunks);
    this.#logSizes.set(stepId, size);
  }
}
