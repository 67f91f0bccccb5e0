// A step's output: every chunk goes to logs/<step-id>.log at once and, batched, to log events.
// The file is created on the first write: a step that says nothing costs no file.

import { createWriteStream, type WriteStream } from 'node:fs';
import type { StepLog } from '../actions/types.js';
import type { EventLog } from '../store/event-log.js';
import { getProcessMasker } from '../util/secrets.js';

const BATCH_BYTES = 8 * 1024;
const BATCH_INTERVAL_MS = 100;

type Stream = 'stdout' | 'stderr';

/** Writes a step's output to its log file and to batched `workflow.step.log` events. */
export class StepLogWriter implements StepLog {
  readonly #path: string;
  #file: WriteStream | undefined;
  readonly #events: EventLog;
  readonly #stepId: string;
  readonly #pending: Record<Stream, string> = { stdout: '', stderr: '' };
  readonly #partial: Record<Stream, string> = { stdout: '', stderr: '' };
  readonly #masker = getProcessMasker();
  #timer: NodeJS.Timeout | undefined;

  constructor(path: string, events: EventLog, stepId: string) {
    this.#path = path;
    this.#events = events;
    this.#stepId = stepId;
  }

  write(stream: Stream, text: string): void {
    // Whole lines only, so a secret split across two chunks is still masked.
    const buffered = this.#partial[stream] + text;
    const cut = buffered.lastIndexOf('\n') + 1;
    this.#partial[stream] = buffered.slice(cut);
    if (cut > 0) this.#emit(stream, buffered.slice(0, cut));
    if (this.#partial[stream].length >= BATCH_BYTES) {
      // A line too long to wait for: show most of it, but never cut through a secret.
      const { ready, held } = this.#masker.splitForMasking(this.#partial[stream]);
      if (ready) this.#emit(stream, ready);
      this.#partial[stream] = held;
    }
  }

  info(text: string): void {
    this.#getFile().write(`[mia] ${this.#masker.mask(text)}\n`);
  }

  /** Emits what is batched as log events. */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const stream of ['stdout', 'stderr'] as const) {
      const text = this.#pending[stream];
      if (!text) continue;
      this.#pending[stream] = '';
      try {
        this.#events.append('workflow.step.log', { stepId: this.#stepId, stream, text });
      } catch {
        // The event log broke (a full disk). This may run in a timer or an output handler, where
        // a throw would crash the process; the executor hears of it (EventLog.onBroken) and stops.
      }
    }
  }

  /** Flushes the batch (with any unfinished last line) and closes the file. */
  async close(): Promise<void> {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.#partial[stream]) this.#emit(stream, this.#partial[stream]);
      this.#partial[stream] = '';
    }
    this.flush();
    const file = this.#file;
    if (file) await new Promise<void>((resolve) => file.end(resolve));
  }

  #emit(stream: Stream, text: string): void {
    const masked = this.#masker.mask(text);
    this.#getFile().write(masked);
    this.#pending[stream] += masked;
    if (this.#pending[stream].length >= BATCH_BYTES) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), BATCH_INTERVAL_MS);
  }

  #getFile(): WriteStream {
    if (!this.#file) {
      this.#file = createWriteStream(this.#path, { flags: 'a' });
      this.#file.on('error', () => {
        // Losing a copy of the output must not fail the step; the events still carry it.
      });
    }
    return this.#file;
  }
}
