// A step's output: every chunk goes to logs/<step-id>.log at once and, batched, to log events.

import { createWriteStream, type WriteStream } from 'node:fs';
import type { StepLog } from '../actions/types.js';
import type { EventLog } from '../store/event-log.js';

const BATCH_BYTES = 8 * 1024;
const BATCH_INTERVAL_MS = 100;

type Stream = 'stdout' | 'stderr';

/** Writes a step's output to its log file and to batched `workflow.step.log` events. */
export class StepLogWriter implements StepLog {
  readonly #file: WriteStream;
  readonly #events: EventLog;
  readonly #stepId: string;
  readonly #pending: Record<Stream, string> = { stdout: '', stderr: '' };
  #timer: NodeJS.Timeout | undefined;

  constructor(path: string, events: EventLog, stepId: string) {
    this.#file = createWriteStream(path, { flags: 'a' });
    this.#file.on('error', () => {
      // Losing a copy of the output must not fail the step; the events still carry it.
    });
    this.#events = events;
    this.#stepId = stepId;
  }

  write(stream: Stream, text: string): void {
    this.#file.write(text);
    this.#pending[stream] += text;
    if (this.#pending[stream].length >= BATCH_BYTES) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), BATCH_INTERVAL_MS);
  }

  info(text: string): void {
    this.#file.write(`[mia] ${text}\n`);
  }

  /** Emits what is batched as log events. */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const stream of ['stdout', 'stderr'] as const) {
      const text = this.#pending[stream];
      if (!text) continue;
      this.#pending[stream] = '';
      this.#events.append('workflow.step.log', { stepId: this.#stepId, stream, text });
    }
  }

  /** Flushes the batch and closes the file. */
  async close(): Promise<void> {
    this.flush();
    await new Promise<void>((resolve) => this.#file.end(resolve));
  }
}
