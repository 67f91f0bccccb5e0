// Follows the part of a step's log that the events no longer carry (past 1 MiB of an attempt's
// output): reads it from the log file through the API, by offset, and only its last part.

import type { RunStepView } from '../server/protocol.js';
import { ApiRequestError, type DashboardApi } from './api.js';
import type { LogFileSegment } from './run-logs.js';
import type { RunView } from './run-view.js';

/** Bytes asked for per read (the server's bound). */
const READ_BYTES = 256 * 1024;
/** At most this many bytes of a segment are shown: past it, the start is left out. */
const SHOWN_BYTES = 150_000;
/** How often a segment still being written is read again. */
const POLL_MS = 1000;

/** Reads the log-file segments of the step shown, one read at a time. */
export class LogFileFollower {
  readonly #api: DashboardApi;
  readonly #onChange: () => void;
  #reading: LogFileSegment | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(api: DashboardApi, onChange: () => void) {
    this.#api = api;
    this.#onChange = onChange;
  }

  /** Reads on for the segments of `step` (the one whose log is shown), if any is left to read. */
  follow(view: RunView, step: RunStepView | undefined): void {
    if (!step || this.#reading || this.#timer) return;
    const segment = view.logs.files.find((each) => each.stepId === step.id && !each.isDone);
    if (!segment) return;
    this.#reading = segment;
    void this.#read(view, segment, step.status === 'running' || step.status === 'waiting').finally(
      () => {
        this.#reading = null;
        this.#onChange();
      },
    );
  }

  async #read(view: RunView, segment: LogFileSegment, isStepMoving: boolean): Promise<void> {
    const limit = Math.max(4, Math.min(READ_BYTES, (segment.until ?? Infinity) - segment.next));
    let chunk: Awaited<ReturnType<DashboardApi['readStepLog']>>;
    try {
      chunk = await this.#api.readStepLog(view.runId, segment.stepId, segment.next, limit);
    } catch (error) {
      // A refused read (the file went away, a bad offset) is not tried again; a lost server is.
      if (error instanceof ApiRequestError && error.status < 500) segment.isDone = true;
      else this.#wait();
      return;
    }
    const end = segment.until ?? chunk.size;
    const text = trimTo(chunk.text, segment.until === null ? undefined : end - chunk.offset);
    let shown = segment.chunk.text + text;
    segment.next = Math.min(chunk.nextOffset, end);
    if (end - segment.next > SHOWN_BYTES) {
      // Far behind: leave the middle out and read on from near the end.
      shown = `[… the whole output is in ${chunk.logPath} …]\n`;
      segment.next = end - SHOWN_BYTES;
    }
    view.logs.setFileText(segment, shown);
    if (segment.next < end) return;
    if (segment.until !== null || !isStepMoving) segment.isDone = true;
    else this.#wait();
  }

  #wait(): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#onChange();
    }, POLL_MS);
  }
}

/** `text` cut to its first `maxBytes` UTF-8 bytes (all of it when undefined). */
function trimTo(text: string, maxBytes: number | undefined): string {
  if (maxBytes === undefined) return text;
  const bytes = new TextEncoder().encode(text);
  return bytes.length <= maxBytes ? text : new TextDecoder().decode(bytes.subarray(0, maxBytes));
}
