// The file under a run's EventLog: events.jsonl made for a new run, or opened (and repaired) to resume one.

import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { MiaError } from '../errors.js';
import type { MiaEvent } from '../events/types.js';
import { type EventLogContents, readEvents, repairTornTail } from './event-reader.js';
import { type EventLogFs, LogFile, syncDir, toInfrastructureError } from './log-file.js';
import { EVENTS_FILE, getEventsPath, getRunDir } from './paths.js';

/**
 * Makes the run folder, logs/ and events.jsonl of a new run, and makes their entries durable.
 * Fails with MIA_STORE_RUN_EXISTS when the run already has an event log.
 */
export async function createEventLogFile(
  workspace: string,
  runId: string,
  fs: EventLogFs | undefined,
): Promise<LogFile> {
  const runDir = getRunDir(workspace, runId);
  const path = join(runDir, EVENTS_FILE);
  let file: LogFile | undefined;
  try {
    await mkdir(join(runDir, 'logs'), { recursive: true });
    file = LogFile.open(path, true, fs);
    await syncDir(runDir);
    await syncDir(dirname(runDir));
    return file;
  } catch (error) {
    file?.close();
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new MiaError('MIA_STORE_RUN_EXISTS', `Run ${runId} already exists (${path}).`, {
        hint: `Resume it with \`mia workflow resume ${runId}\`, or start a new run.`,
      });
    }
    throw toInfrastructureError(`Could not create the event log ${path}`, error);
  }
}

/** Options of EventLog.create and EventLog.open. */
export interface EventLogOptions {
  /** The file layer; node:fs unless a test injects another. */
  fs?: EventLogFs;
  /**
   * For open: the log as the caller just read it (readEvents) while holding the run's lock,
   * so that a large log is not read and parsed twice.
   */
  contents?: EventLogContents;
}

/** A run's log opened for append, with the events it holds and what repairing it did. */
export interface OpenedEventLogFile {
  file: LogFile;
  events: MiaEvent[];
  /** Set when a torn last line was moved aside: tell the user. */
  repairWarning: string | undefined;
}

/**
 * Opens the log of an existing run for append, after reading it (see readEvents: RunNotFoundError,
 * EventLogError; or taking `contents`, read by the caller under the run's lock) and repairing a
 * torn last line.
 */
export async function openEventLogFile(
  workspace: string,
  runId: string,
  options: EventLogOptions,
): Promise<OpenedEventLogFile> {
  const path = getEventsPath(workspace, runId);
  const contents = options.contents ?? (await readEvents(path));
  const repairWarning = await repairTornTail(path, contents);
  try {
    return { file: LogFile.open(path, false, options.fs), events: contents.events, repairWarning };
  } catch (error) {
    throw toInfrastructureError(`Could not open the event log ${path}`, error);
  }
}
