// Group commit and ordered publication: written events are shown in seq order, durable ones only after an fsync.

/** What a CommitQueue needs from the log it serves. */
export interface CommitQueueOptions<E extends { seq: number }> {
  /** The seq of the last event already on disk and durable when the queue starts. */
  lastSeq: number;
  /** Starts one fsync of everything written so far; calls back once with its error, if any. */
  sync(callback: (error: unknown) => void): void;
  isDurable(event: E): boolean;
  publish(event: E): void;
  /** Turns an fsync failure into the error every later call fails with. */
  toSyncError(error: unknown): Error;
}

interface FlushWaiter {
  seq: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * Holds written events until they may be shown. A durable event waits for an fsync; any event
 * behind a waiting one waits with it, so publication order is always seq order. Durable events
 * added in the same tick share one fsync; those added while an fsync runs share exactly one more.
 */
export class CommitQueue<E extends { seq: number }> {
  readonly #options: CommitQueueOptions<E>;
  readonly #held: E[] = [];
  #waiters: FlushWaiter[] = [];
  #writtenSeq: number;
  #syncedSeq: number;
  #syncTarget = 0;
  #isSyncQueued = false;
  #isSyncing = false;
  #failure: Error | undefined;

  constructor(options: CommitQueueOptions<E>) {
    this.#options = options;
    this.#writtenSeq = options.lastSeq;
    this.#syncedSeq = options.lastSeq;
  }

  /** The error that broke the queue, if one did. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  /** Takes an event just written to disk: publishes it now, or holds it until it may be. */
  add(event: E): void {
    if (this.#failure) return;
    this.#writtenSeq = event.seq;
    if (this.#options.isDurable(event)) {
      this.#held.push(event);
      this.#requestSync();
    } else if (this.#held.length > 0) {
      this.#held.push(event);
    } else {
      this.#options.publish(event);
    }
  }

  /** Resolves once everything added so far is fsynced and published; rejects once the queue failed. */
  flush(): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    const seq = this.#writtenSeq;
    if (this.#syncedSeq >= seq) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#waiters.push({ seq, resolve, reject });
      if (!this.#isSyncing || this.#syncTarget < seq) this.#requestSync();
    });
  }

  /** Breaks the queue: nothing held is ever published, every pending and later flush rejects. */
  fail(error: Error): Error {
    this.#failure ??= error;
    this.#held.length = 0;
    for (const waiter of this.#waiters) waiter.reject(this.#failure);
    this.#waiters = [];
    return this.#failure;
  }

  #requestSync(): void {
    if (this.#isSyncQueued) return;
    this.#isSyncQueued = true;
    // Deferred to a microtask so that every durable append of the current tick joins this fsync.
    if (!this.#isSyncing) queueMicrotask(() => this.#startSync());
  }

  #startSync(): void {
    this.#isSyncQueued = false;
    if (this.#failure) return;
    const target = this.#writtenSeq;
    this.#isSyncing = true;
    this.#syncTarget = target;
    let isDone = false;
    const done = (error: unknown): void => {
      if (isDone) return;
      isDone = true;
      this.#isSyncing = false;
      if (this.#failure) return;
      if (error) {
        this.fail(this.#options.toSyncError(error));
        return;
      }
      this.#syncedSeq = target;
      this.#publishReady();
      this.#settleWaiters();
      if (this.#isSyncQueued) this.#startSync();
    };
    try {
      this.#options.sync(done);
    } catch (error) {
      done(error);
    }
  }

  #publishReady(): void {
    let ready = 0;
    for (const event of this.#held) {
      if (event.seq > this.#syncedSeq && this.#options.isDurable(event)) break;
      ready += 1;
    }
    for (const event of this.#held.splice(0, ready)) this.#options.publish(event);
  }

  #settleWaiters(): void {
    const waiting: FlushWaiter[] = [];
    for (const waiter of this.#waiters) {
      if (waiter.seq <= this.#syncedSeq) waiter.resolve();
      else waiting.push(waiter);
    }
    this.#waiters = waiting;
  }
}
