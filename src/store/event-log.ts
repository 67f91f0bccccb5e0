// The append side of a run's event log: write every event first, fsync durable ones, publish in seq order.

import { randomUUID } from 'node:crypto';
import { MiaError } from '../errors.js';
import {
  DURABLE_EVENT_TYPES,
  EVENT_FORMAT_VERSION,
  type EventOf,
  type EventPayloads,
  type EventType,
  getEventChannel,
  getTraceId,
  type MiaEvent,
} from '../events/types.js';
import { getProcessMasker } from '../util/secrets.js';
import { CommitQueue } from './commit-queue.js';
import {
  createEventLogFile,
  type EventLogOptions,
  type OpenedEventLogFile,
  openEventLogFile,
} from './event-log-file.js';
import { type LogFile, toInfrastructureError } from './log-file.js';

export type { EventLogOptions } from './event-log-file.js';
export type { EventLogFs } from './log-file.js';

/** Hears each published event with its JSON as written to the file (UTF-8, no newline). */
export type EventListener = (event: MiaEvent, json: Buffer) => void;

/** An event as written, waiting to be published. */
interface WrittenEvent {
  readonly seq: number;
  readonly event: MiaEvent;
  readonly json: Buffer;
}

/**
 * A run's events.jsonl, open for append. Every event is written (synchronously, so disk order is
 * append order) before anyone sees it; durable event types are also fsynced first. Subscribers
 * get events strictly in seq order. A disk fault breaks the log: every later append and flush
 * fails with the same InfrastructureError.
 */
export class EventLog {
  readonly runId: string;
  readonly #traceId: string;
  /** The events already in the log when it was opened (empty for a new run). */
  readonly history: readonly MiaEvent[];
  /** Set when open() moved a torn last line aside: tell the user. */
  readonly repairWarning: string | undefined;
  readonly #file: LogFile;
  readonly #listeners = new Set<EventListener>();
  readonly #breakListeners = new Set<(error: Error) => void>();
  readonly #queue: CommitQueue<WrittenEvent>;
  #lastSeq: number;
  #publishedSeq: number;
  #closing: Promise<void> | undefined;

  private constructor(runId: string, { file, events, repairWarning }: OpenedEventLogFile) {
    this.runId = runId;
    this.#traceId = getTraceId(runId);
    this.#file = file;
    this.history = events;
    this.repairWarning = repairWarning;
    this.#lastSeq = events.at(-1)?.seq ?? 0;
    this.#publishedSeq = this.#lastSeq;
    this.#queue = new CommitQueue<WrittenEvent>({
      lastSeq: this.#lastSeq,
      sync: (callback) => file.sync(callback),
      isDurable: (written) => DURABLE_EVENT_TYPES.has(written.event.type),
      publish: (written) => this.#publish(written),
      toSyncError: (error) =>
        this.#broke(
          toInfrastructureError(`Could not make ${file.path} durable (fsync failed)`, error),
        ),
    });
  }

  /**
   * Starts the log of a new run: makes the run folder and logs/, and makes their entries durable.
   * Fails with MIA_STORE_RUN_EXISTS when the run already has an event log.
   */
  static async create(
    workspace: string,
    runId: string,
    options: EventLogOptions = {},
  ): Promise<EventLog> {
    const file = await createEventLogFile(workspace, runId, options.fs);
    return new EventLog(runId, { file, events: [], repairWarning: undefined });
  }

  /**
   * Opens the log of an existing run for append, after reading it (see readEvents: RunNotFoundError,
   * EventLogError) and repairing a torn last line. Hold the run's lock first.
   */
  static async open(
    workspace: string,
    runId: string,
    options: EventLogOptions = {},
  ): Promise<EventLog> {
    return new EventLog(runId, await openEventLogFile(workspace, runId, options));
  }

  /** The path of events.jsonl. */
  get path(): string {
    return this.#file.path;
  }

  /** The seq of the last event appended (0 for an empty log). */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /**
   * The seq of the last event published (history counts as published): every event up to it may
   * be shown, and those of durable types are fsynced.
   */
  get publishedSeq(): number {
    return this.#publishedSeq;
  }

  /**
   * Appends one event and returns it. It is written before this returns, and published now or,
   * for a durable type (or behind one still being fsynced), once the fsync is done.
   * Throws InfrastructureError when the write fails (nothing is published then).
   */
  append<T extends EventType>(type: T, payload: EventPayloads[T]): EventOf<T> {
    if (this.#queue.failure) throw this.#queue.failure;
    if (this.#closing) {
      throw new MiaError('MIA_STORE_LOG_CLOSED', `Event log ${this.path} is closed.`, {
        hint: 'Append events only between EventLog.create/open and close.',
      });
    }
    const seq = this.#lastSeq + 1;
    const event = {
      v: EVENT_FORMAT_VERSION,
      id: randomUUID(),
      seq,
      type,
      channel: getEventChannel(this.runId, type),
      runId: this.runId,
      traceId: this.#traceId,
      timestamp: new Date().toISOString(),
      // Secrets never reach the log, and so never the terminal, the socket or the story.
      payload: getProcessMasker().maskDeep(payload),
    } as unknown as EventOf<T>;
    const line = Buffer.from(`${JSON.stringify(event)}\n`, 'utf8');
    try {
      this.#file.writeAll(line);
    } catch (error) {
      const what = `Could not write event ${seq} (${type}) to ${this.path}`;
      throw this.#queue.fail(this.#broke(toInfrastructureError(what, error)));
    }
    this.#lastSeq = seq;
    this.#queue.add({ seq, event, json: line.subarray(0, line.length - 1) });
    return event;
  }

  /**
   * Calls `listener` with every event published from now on, in seq order, and the event's JSON
   * as written (so that it is serialised once: the dashboard's clients get the same bytes). A
   * listener must not throw; if one does, its error is re-thrown asynchronously (an uncaught
   * exception) and the other listeners still get the event. Returns the function that unsubscribes.
   */
  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /**
   * Calls `listener` once, soon after the log breaks (a write or an fsync failed), with the error
   * every later append and flush fails with. Returns the function that unsubscribes.
   */
  onBroken(listener: (error: Error) => void): () => void {
    const failure = this.#queue.failure;
    if (failure) queueMicrotask(() => listener(failure));
    else this.#breakListeners.add(listener);
    return () => {
      this.#breakListeners.delete(listener);
    };
  }

  /** Resolves once every event appended so far is fsynced and published; rejects if the log broke. */
  flush(): Promise<void> {
    return this.#queue.flush();
  }

  /** Flushes, then closes the file (even when the flush fails). Later appends are refused. */
  close(): Promise<void> {
    this.#closing ??= this.#flushAndClose();
    return this.#closing;
  }

  async #flushAndClose(): Promise<void> {
    let flushError: unknown;
    await this.flush().catch((error: unknown) => {
      flushError = error;
    });
    try {
      this.#file.close();
    } catch (error) {
      throw (
        flushError ?? toInfrastructureError(`Could not close the event log ${this.path}`, error)
      );
    }
    if (flushError !== undefined) throw flushError;
  }

  /** Tells the break listeners (once, after the current call) and returns the error. */
  #broke(error: Error): Error {
    if (this.#queue.failure) return error;
    const listeners = [...this.#breakListeners];
    this.#breakListeners.clear();
    queueMicrotask(() => {
      for (const listener of listeners) listener(error);
    });
    return error;
  }

  #publish({ seq, event, json }: WrittenEvent): void {
    this.#publishedSeq = seq;
    for (const listener of this.#listeners) {
      try {
        listener(event, json);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
