// A step's output: every byte goes to logs/<step-id>.log at once, exactly as the step wrote it
// (secrets masked), and the first part of each attempt's output (1 MiB at most), decoded as
// UTF-8 and batched, to `workflow.step.log` events. The file is created on the first write: a
// step that says nothing costs no file.

import type { StepLog } from '../actions/types.js';
import type { EventPayloads } from '../events/types.js';
import type { EventLog } from '../store/event-log.js';
import { StepLogFile } from '../store/step-log-file.js';
import { getProcessMasker } from '../util/secrets.js';

/**
 * How many bytes of text the log events of one attempt carry at most (its notes included),
 * counted as the text takes in events.jsonl: JSON-escaped, in UTF-8.
 */
export const EVENT_OUTPUT_LIMIT = 1024 * 1024;

const BATCH_BYTES = 8 * 1024;
const BATCH_INTERVAL_MS = 100;

type Stream = 'stdout' | 'stderr';

export interface StepLogOptions {
  /** Bytes of text the events of one attempt carry at most (default EVENT_OUTPUT_LIMIT). */
  eventOutputLimit?: number;
}

/** Writes a step's output to its log file and to batched `workflow.step.log` events. */
export class StepLogWriter implements StepLog {
  readonly #file: StepLogFile;
  readonly #events: EventLog;
  readonly #stepId: string;
  readonly #pending: Record<Stream, string> = { stdout: '', stderr: '' };
  /** The unfinished last line of each stream, as bytes held one per character (latin1). */
  readonly #partial: Record<Stream, string> = { stdout: '', stderr: '' };
  readonly #masker = getProcessMasker();
  readonly #byteMasker = this.#masker.forBytes();
  /** Bytes of output this attempt's events may still carry (room for the notes kept aside). */
  #room: number;
  readonly #attemptRoom: number;
  readonly #cutNote: string;
  /** Set once this attempt's output went past the room: where in the file the events stopped. */
  #cut: { logOffset: number; stream: Stream } | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(path: string, events: EventLog, stepId: string, options: StepLogOptions = {}) {
    this.#file = new StepLogFile(path);
    this.#events = events;
    this.#stepId = stepId;
    const limit = options.eventOutputLimit ?? EVENT_OUTPUT_LIMIT;
    this.#cutNote = describeCut(limit);
    const notes = `\n${this.#cutNote}\n${describeOmitted(Number.MAX_SAFE_INTEGER)}\n`;
    this.#attemptRoom = Math.max(0, limit - measureInEvent(notes));
    this.#room = this.#attemptRoom;
  }

  /** Takes output as the step wrote it: bytes (kept exact in the file), or text (as UTF-8). */
  write(stream: Stream, output: string | Uint8Array): void {
    // Bytes, one per character: the file gets them back exactly, invalid UTF-8 included.
    const bytes =
      typeof output === 'string'
        ? Buffer.from(output, 'utf8').toString('latin1')
        : Buffer.from(output.buffer, output.byteOffset, output.byteLength).toString('latin1');
    // Whole lines only, so a secret split across two chunks is still masked.
    const buffered = this.#partial[stream] + bytes;
    const cut = buffered.lastIndexOf('\n') + 1;
    this.#partial[stream] = buffered.slice(cut);
    if (cut > 0) this.#emit(stream, buffered.slice(0, cut));
    if (this.#partial[stream].length >= BATCH_BYTES) {
      // A line too long to wait for: show most of it, but never cut through a secret, nor
      // through a character (each part is decoded on its own).
      const { ready, held } = this.#byteMasker.splitForMasking(this.#partial[stream]);
      const whole = findCharacterStart(ready);
      if (whole > 0) this.#emit(stream, ready.slice(0, whole));
      this.#partial[stream] = ready.slice(whole) + held;
    }
  }

  info(text: string): void {
    this.#file.append(`[mia] ${this.#masker.mask(text)}\n`);
  }

  /** Emits what is batched as log events. */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const stream of ['stdout', 'stderr'] as const) {
      const text = this.#pending[stream];
      if (!text) continue;
      this.#pending[stream] = '';
      this.#append({ stepId: this.#stepId, stream, text });
    }
  }

  /**
   * Ends an attempt: its unfinished last lines are written, its batch emitted, and when its output
   * went past the events' bound, a last note says how many bytes only the log file holds. The
   * next attempt's events carry up to the bound again.
   */
  endAttempt(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.#partial[stream]) this.#emit(stream, this.#partial[stream]);
      this.#partial[stream] = '';
    }
    this.flush();
    const cut = this.#cut;
    if (cut) {
      const omittedBytes = this.#file.size - cut.logOffset;
      this.#append({
        stepId: this.#stepId,
        stream: cut.stream,
        text: `${describeOmitted(omittedBytes)}\n`,
        truncated: { logPath: this.#file.path, logOffset: cut.logOffset, omittedBytes },
      });
    }
    this.#cut = undefined;
    this.#room = this.#attemptRoom;
  }

  /** Ends the attempt (see endAttempt) and closes the file. */
  async close(): Promise<void> {
    this.endAttempt();
    this.#file.close();
  }

  /** `bytes`: output held one byte per character; the file gets them, the events their text. */
  #emit(stream: Stream, bytes: string): void {
    const masked = Buffer.from(this.#byteMasker.mask(bytes), 'latin1');
    const offset = this.#file.append(masked);
    if (this.#cut) return;
    const text = this.#decode(masked);
    const size = measureInEvent(text);
    if (size > this.#room) {
      this.#cutAt(stream, masked, offset);
      return;
    }
    this.#room -= size;
    this.#pending[stream] += text;
    if (this.#pending[stream].length >= BATCH_BYTES) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), BATCH_INTERVAL_MS);
  }

  /** Output bytes as event text: UTF-8 (an invalid byte reads as U+FFFD), masked as text too. */
  #decode(bytes: Buffer): string {
    return this.#masker.mask(bytes.toString('utf8'));
  }

  /** The output outgrew the events: they carry what fits, then a note; the file has the rest. */
  #cutAt(stream: Stream, masked: Buffer, offset: number | undefined): void {
    const kept = takeEventPrefix(masked, this.#room, (bytes) => this.#decode(bytes));
    this.#pending[stream] += kept.text;
    this.#room = 0;
    const logOffset = (offset ?? this.#file.size) + kept.bytes;
    this.#cut = { logOffset, stream };
    this.flush();
    this.#append({
      stepId: this.#stepId,
      stream,
      text: `${kept.text.endsWith('\n') ? '' : '\n'}${this.#cutNote}\n`,
      truncated: { logPath: this.#file.path, logOffset, omittedBytes: null },
    });
  }

  #append(payload: EventPayloads['workflow.step.log']): void {
    try {
      this.#events.append('workflow.step.log', payload);
    } catch {
      // The event log broke (a full disk). This may run in a timer or an output handler, where
      // a throw would crash the process; the scheduler hears of it (EventLog.onBroken) and stops.
    }
  }
}

function describeCut(limit: number): string {
  const bound = limit % (1024 * 1024) === 0 ? `${limit / 1024 / 1024} MiB` : `${limit} bytes`;
  return `[mia] The events carry no more of this attempt's output (they keep its first ${bound}); the step's log file has all of it.`;
}

function describeOmitted(bytes: number): string {
  return `[mia] ${bytes} more bytes of this attempt's output are only in the step's log file.`;
}

/** The bytes `text` takes in an event: its UTF-8 length once escaped as a JSON string. */
function measureInEvent(text: string): number {
  return Buffer.byteLength(JSON.stringify(text)) - 2;
}

/**
 * The longest start of `bytes` whose text takes at most `room` bytes in an event, never cutting
 * a character in two; `bytes` is its length in the log file.
 */
function takeEventPrefix(
  bytes: Buffer,
  room: number,
  decode: (bytes: Buffer) => string,
): { text: string; bytes: number } {
  const fits = (end: number) => measureInEvent(decode(bytes.subarray(0, end))) <= room;
  let low = 0;
  let high = bytes.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (fits(middle)) low = middle;
    else high = middle - 1;
  }
  // Not through a character: back over the continuation bytes the cut would leave behind.
  let kept = low;
  while (kept > 0 && low - kept < 3 && ((bytes[kept] ?? 0) & 0xc0) === 0x80) kept--;
  return { text: decode(bytes.subarray(0, kept)), bytes: kept };
}

/**
 * Where the last character of `bytes` (held one per character) starts when it may be cut short
 * (the UTF-8 lead byte of a sequence the end cuts through), else its length: so much can be
 * decoded on its own without cutting a character in two.
 */
function findCharacterStart(bytes: string): number {
  const isContinuation = (index: number) => (bytes.charCodeAt(index) & 0xc0) === 0x80;
  let lead = bytes.length - 1;
  while (lead > 0 && bytes.length - lead < 4 && isContinuation(lead)) lead--;
  const first = bytes.charCodeAt(lead);
  const width = first >= 0xf0 ? 4 : first >= 0xe0 ? 3 : first >= 0xc0 ? 2 : 1;
  return lead >= 0 && lead + width > bytes.length ? lead : bytes.length;
}
