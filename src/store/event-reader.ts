// Reads events.jsonl back into events: tolerates a torn last line, fails closed on anything else.

import { open, readFile, writeFile } from 'node:fs/promises';
import { EventLogError, RunNotFoundError } from '../errors.js';
import type { MiaEvent } from '../events/types.js';
import { DAMAGED_LOG_HINT, type MigrationContext, migrateEvent } from './migrate-event.js';

export { type MigrationContext, migrateEvent } from './migrate-event.js';

/** What an event log holds. */
export interface EventLogContents {
  /** Every complete event, in seq order (1, 2, 3…). */
  events: MiaEvent[];
  /** The text of an incomplete last line (a write cut short by a crash); not part of `events`. */
  tornTail: string | undefined;
  /** True when the last line is a complete event whose newline is missing. */
  isMissingFinalNewline: boolean;
  /** Length in bytes of the trusted part of the file: everything before a torn tail. */
  validBytes: number;
}

const NEWLINE = 0x0a;

/**
 * Reads a run's event log. A torn last line is reported in `tornTail`, never as an error;
 * any other damage (a bad line followed by more lines, a seq gap or repeat, a newer format)
 * is an EventLogError naming the file and line. A missing file is a RunNotFoundError.
 */
export async function readEvents(path: string): Promise<EventLogContents> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new RunNotFoundError(
        `No event log at ${path}.`,
        '`mia workflow runs` lists the runs of this workspace.',
      );
    }
    if (code === 'EISDIR')
      throw new EventLogError(`${path} is a folder, not an event log.`, DAMAGED_LOG_HINT);
    throw error;
  }
  return parseEventLog(bytes, path);
}

/** Parses the bytes of an event log (see readEvents); `path` only names the file in errors. */
export function parseEventLog(bytes: Uint8Array, path: string): EventLogContents {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bodyEnd = buffer.lastIndexOf(NEWLINE) + 1;
  const lines = buffer.subarray(0, bodyEnd).toString('utf8').split('\n');
  lines.pop();
  const events: MiaEvent[] = [];
  const context: MigrationContext = {};
  lines.forEach((line, index) => {
    const event = parseEvent(line, events.length + 1, `${path}:${index + 1}`, context);
    if (typeof event === 'string') {
      throw new EventLogError(`${path}:${index + 1}: ${event}.`, DAMAGED_LOG_HINT);
    }
    events.push(event);
  });
  const tail = buffer.subarray(bodyEnd);
  if (tail.length === 0) {
    return { events, tornTail: undefined, isMissingFinalNewline: false, validBytes: bodyEnd };
  }
  const text = tail.toString('utf8');
  const event = parseEvent(text, events.length + 1, `${path}:${lines.length + 1}`, context);
  if (typeof event === 'string') {
    return { events, tornTail: text, isMissingFinalNewline: false, validBytes: bodyEnd };
  }
  events.push(event);
  return { events, tornTail: undefined, isMissingFinalNewline: true, validBytes: buffer.length };
}

/**
 * Moves a torn last line aside to `events.jsonl.torn-<timestamp>` and truncates the log after
 * its last complete line, or adds the missing newline of a complete last line. Returns a
 * warning text when bytes were moved aside. Call it only while holding the run's lock.
 */
export async function repairTornTail(
  path: string,
  contents: EventLogContents,
): Promise<string | undefined> {
  if (contents.isMissingFinalNewline) {
    await withFile(path, 'a', async (file) => {
      await file.write('\n');
      await file.sync();
    });
    return undefined;
  }
  if (contents.tornTail === undefined) return undefined;
  const stamp = new Date().toISOString().replaceAll(/[:.]/g, '');
  const asidePath = `${path}.torn-${stamp}`;
  let tornBytes = 0;
  await withFile(path, 'r+', async (file) => {
    const { size } = await file.stat();
    tornBytes = size - contents.validBytes;
    const torn = Buffer.alloc(tornBytes);
    await file.read(torn, 0, tornBytes, contents.validBytes);
    await writeFile(asidePath, torn, { flag: 'wx', flush: true });
    await file.truncate(contents.validBytes);
    await file.sync();
  });
  const last = contents.events.at(-1)?.seq ?? 0;
  return `${path} ended with an incomplete line (${tornBytes} bytes, a write cut short by a crash); moved it to ${asidePath} and continued after event ${last}.`;
}

async function withFile(
  path: string,
  flags: string,
  use: (file: Awaited<ReturnType<typeof open>>) => Promise<void>,
): Promise<void> {
  const file = await open(path, flags);
  try {
    await use(file);
  } finally {
    await file.close();
  }
}

/**
 * The event on one line, or why the line holds none (unparseable or incomplete). A newer format
 * or a seq out of order throws: those are never a torn write.
 */
function parseEvent(
  line: string,
  expectedSeq: number,
  where: string,
  context: MigrationContext,
): MiaEvent | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'not a JSON event (unparseable line)';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return 'not a JSON event (not an object)';
  }
  const event = migrateEvent(value as Record<string, unknown>, where, context);
  if (typeof event.type !== 'string') return 'event without a "type"';
  if (typeof event.seq !== 'number') return 'event without a numeric "seq"';
  if (typeof event.payload !== 'object' || event.payload === null || Array.isArray(event.payload)) {
    return 'event without a "payload" object';
  }
  if (event.seq !== expectedSeq) {
    throw new EventLogError(
      `${where}: expected event seq ${expectedSeq}, found ${event.seq} (events are missing or repeated).`,
      DAMAGED_LOG_HINT,
    );
  }
  return event as unknown as MiaEvent;
}
