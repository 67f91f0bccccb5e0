// The attempts a worker runs, each with its stop switch and lease: an attempt whose lock was not
// renewed for most of its duration (Redis unreachable, a partition BullMQ sends no event for) is
// stopped, its process tree killed, so that a step never runs on two workers at once.

import { MiaError } from '../errors.js';

/** One running attempt. */
interface Lease {
  controller: AbortController;
  lastRenewedAt: number;
}

/** The running attempts of a worker, by job id. */
export class Leases {
  readonly #leases = new Map<string, Lease>();
  readonly #timer: NodeJS.Timeout;

  /** Leases not renewed within `0.8 × lockMs` are lost. */
  constructor(
    lockMs: number,
    private readonly workerId: string,
  ) {
    this.#timer = setInterval(
      () => {
        const now = Date.now();
        for (const [jobId, lease] of this.#leases) {
          if (now - lease.lastRenewedAt > 0.8 * lockMs)
            this.lose(jobId, 'its lock was not renewed in time (Redis unreachable?)');
        }
      },
      Math.max(50, Math.floor(lockMs / 10)),
    );
    this.#timer.unref();
  }

  /** How many attempts run. */
  get size(): number {
    return this.#leases.size;
  }

  /** Starts the lease of `jobId`; its signal stops the attempt. */
  take(jobId: string, outer: AbortSignal | undefined): AbortSignal {
    const controller = new AbortController();
    outer?.addEventListener('abort', () => this.lose(jobId, 'BullMQ cancelled it'), { once: true });
    this.#leases.set(jobId, { controller, lastRenewedAt: Date.now() });
    return controller.signal;
  }

  /** The locks of `jobIds` were renewed. */
  renew(jobIds: readonly string[]): void {
    const now = Date.now();
    for (const jobId of jobIds) {
      const lease = this.#leases.get(jobId);
      if (lease) lease.lastRenewedAt = now;
    }
  }

  /** The worker lost `jobId`: its attempt stops at once (its process tree killed). */
  lose(jobId: string, why: string): void {
    this.#abort(
      jobId,
      new MiaError(
        'MIA_WORKER_LOST',
        `Worker ${this.workerId} lost the step: ${why}; it killed the step's processes.`,
        {
          hint: 'The step retries by its `retry` policy, or runs again on resume.',
        },
      ),
    );
  }

  /** The coordinator stopped `jobId` (a timeout, an interruption). */
  cancel(jobId: string): void {
    this.#abort(
      jobId,
      new MiaError('MIA_WORKER_CANCELLED', 'The run stopped the step.', { isRetriable: false }),
    );
  }

  /** Stops every attempt (the worker is shutting down). */
  cancelAll(why: string): void {
    for (const jobId of [...this.#leases.keys()]) this.lose(jobId, why);
  }

  /** The attempt `jobId` ended. */
  release(jobId: string): void {
    this.#leases.delete(jobId);
  }

  close(): void {
    clearInterval(this.#timer);
  }

  #abort(jobId: string, reason: MiaError): void {
    const lease = this.#leases.get(jobId);
    if (lease && !lease.controller.signal.aborted) lease.controller.abort(reason);
  }
}
