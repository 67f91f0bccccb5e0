// A worker's side of an attempt's stream: the step's output goes back to the coordinator as it
// comes, in whole lines masked with this worker's secrets, then the attempt's end, in order.

import type { Redis } from 'ioredis';
import type { StepLog } from '../actions/types.js';
import { encodeRecord, type StreamRecord } from '../queue/protocol.js';
import { getProcessMasker } from '../util/secrets.js';

/** Output held back for a line's end, at most this much (a line longer than that goes in parts). */
const HOLD_LIMIT = 64 * 1024;
/** A stream nobody reads (its coordinator died and is never resumed) goes after this long. */
const STREAM_TTL_MS = 7 * 24 * 3600 * 1000;

/** Writes one attempt's records to its stream; `close` waits for all of them. */
export class StreamWriter implements StepLog {
  readonly #redis: Redis;
  readonly #key: string;
  readonly #masker = getProcessMasker().forBytes();
  readonly #held: Record<'stdout' | 'stderr', Buffer> = {
    stdout: Buffer.alloc(0),
    stderr: Buffer.alloc(0),
  };
  #pending: Promise<unknown> = Promise.resolve();
  #failure: unknown;

  constructor(redis: Redis, key: string) {
    this.#redis = redis;
    this.#key = key;
  }

  /** Sends a record (in order with every other); a failure shows at `close`. */
  send(record: StreamRecord): void {
    const sent = this.#redis.xadd(this.#key, '*', ...encodeRecord(record));
    this.#pending = Promise.all([this.#pending, sent]).catch((error: unknown) => {
      this.#failure ??= error;
    });
  }

  write(stream: 'stdout' | 'stderr', output: string | Uint8Array): void {
    const bytes = Buffer.concat([this.#held[stream], Buffer.from(output)]);
    const cut = bytes.lastIndexOf(10) + 1;
    const sendable = cut > 0 ? cut : bytes.length > HOLD_LIMIT ? bytes.length : 0;
    this.#held[stream] = bytes.subarray(sendable);
    if (sendable > 0) this.#sendOutput(stream, bytes.subarray(0, sendable));
  }

  info(text: string): void {
    this.send({ kind: 'info', text: getProcessMasker().mask(text) });
  }

  /**
   * Sends what is held back, then `last` (the attempt's end), then waits for every record;
   * throws when one could not be sent.
   */
  async close(last: StreamRecord): Promise<void> {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.#held[stream].length > 0) this.#sendOutput(stream, this.#held[stream]);
      this.#held[stream] = Buffer.alloc(0);
    }
    this.send(last);
    this.#pending = Promise.all([this.#pending, this.#redis.pexpire(this.#key, STREAM_TTL_MS)]);
    await this.#pending;
    if (this.#failure !== undefined) throw this.#failure;
  }

  #sendOutput(stream: 'stdout' | 'stderr', bytes: Buffer): void {
    const masked = Buffer.from(this.#masker.mask(bytes.toString('latin1')), 'latin1');
    this.send({ kind: 'out', stream, data: masked });
  }
}
