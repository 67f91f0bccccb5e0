// A step's log file, logs/<step-id>.log: appended synchronously, so that a step that prints
// faster than the disk takes it is held back by its own pipe, never buffered in memory, and so
// that the engine always knows the file's size (the offset the log endpoint reads from).

import { closeSync, constants, fstatSync, openSync, writeSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { MiaError } from '../errors.js';

/** A step's log file, opened on the first append; losing it never fails the step. */
export class StepLogFile {
  readonly path: string;
  #fd: number | undefined;
  #size = 0;
  /** Set when the file could not be opened or written, or is closed: later appends are dropped. */
  #isBroken = false;

  constructor(path: string) {
    this.path = path;
  }

  /** The file's size in bytes once written to (earlier sessions' output included). */
  get size(): number {
    return this.#size;
  }

  /**
   * Appends bytes as they are (text in UTF-8); returns the offset they start at (undefined if the
   * file is lost).
   */
  append(data: string | Uint8Array): number | undefined {
    const fd = this.#open();
    if (fd === undefined) return undefined;
    const start = this.#size;
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    try {
      for (let offset = 0; offset < bytes.length; ) {
        offset += writeSync(fd, bytes, offset, bytes.length - offset);
      }
      this.#size += bytes.length;
    } catch {
      // A full disk: the step goes on; the events still carry the first part of its output.
      this.#isBroken = true;
    }
    return start;
  }

  /** Closes the file; what is appended after it (by an action that outlived its step) is dropped. */
  close(): void {
    const fd = this.#fd;
    this.#fd = undefined;
    this.#isBroken = true;
    if (fd !== undefined) closeSync(fd);
  }

  #open(): number | undefined {
    if (this.#isBroken) return undefined;
    if (this.#fd === undefined) {
      try {
        this.#fd = openSync(this.path, 'a');
        this.#size = fstatSync(this.#fd).size;
      } catch {
        this.#isBroken = true;
        return undefined;
      }
    }
    return this.#fd;
  }
}

/** A step's log that is not a regular file (a link, a folder): it is never read. */
export class NotALogError extends MiaError {
  constructor(path: string) {
    super('MIA_STORE_NOT_A_LOG', `${path} is not a regular file (a link?); it is not read.`, {
      hint: 'Step logs are plain files that mia writes; remove what took the place of this one.',
    });
  }
}

/** A range of a step's log file, decoded, cut at character boundaries. */
export interface LogRange {
  /** Where the text starts (the offset asked for, moved past a character cut in two). */
  offset: number;
  /** Where the next read starts: the byte after the last whole character read. */
  nextOffset: number;
  /** The file's size when it was read. */
  size: number;
  text: string;
}

/**
 * Reads up to `maxBytes` of a step's log file from byte `offset` (a missing file reads as empty).
 * Fails with RangeError when `offset` is past the end, and with NotALogError (never following it)
 * when the file is a symbolic link or not a file.
 */
export async function readLogRange(
  path: string,
  offset: number,
  maxBytes: number,
): Promise<LogRange> {
  let file: FileHandle;
  try {
    file = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new NotALogError(path);
    if (code !== 'ENOENT') throw error;
    if (offset > 0) throw new RangeError(`offset ${offset} is past the end of the log (0 bytes)`);
    return { offset: 0, nextOffset: 0, size: 0, text: '' };
  }
  try {
    const stats = await file.stat();
    if (!stats.isFile()) throw new NotALogError(path);
    if (offset > stats.size) {
      throw new RangeError(`offset ${offset} is past the end of the log (${stats.size} bytes)`);
    }
    const length = Math.min(maxBytes, stats.size - offset);
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await file.read(buffer, 0, length, offset);
    const isAtEnd = offset + bytesRead >= stats.size;
    const { start, end } = findWholeCharacters(buffer.subarray(0, bytesRead), isAtEnd);
    return {
      offset: offset + start,
      nextOffset: offset + end,
      size: stats.size,
      text: buffer.toString('utf8', start, end),
    };
  } finally {
    await file.close();
  }
}

/** The part of `bytes` made of whole UTF-8 characters: past a cut first one, before a cut last one. */
function findWholeCharacters(bytes: Buffer, isAtEnd: boolean): { start: number; end: number } {
  const isContinuation = (index: number) => ((bytes[index] ?? 0) & 0xc0) === 0x80;
  let start = 0;
  while (start < bytes.length && start < 3 && isContinuation(start)) start++;
  let end = bytes.length;
  if (!isAtEnd) {
    let lead = end - 1;
    while (lead > start && end - lead < 4 && isContinuation(lead)) lead--;
    const first = bytes[lead] ?? 0;
    const width = first >= 0xf0 ? 4 : first >= 0xe0 ? 3 : first >= 0xc0 ? 2 : 1;
    if (lead + width > end) end = lead;
  }
  return { start, end: Math.max(start, end) };
}
