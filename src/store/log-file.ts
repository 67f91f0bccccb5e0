// The event log's file: whole-line synchronous appends, fsync on the threadpool, faults as InfrastructureError.

import * as nodeFs from 'node:fs';
import { open } from 'node:fs/promises';
import { InfrastructureError } from '../errors.js';

/**
 * The file operations the log uses; tests inject faults through it (ENOSPC, EIO, a slow fsync, a
 * process killed right after its Nth durable write).
 */
export interface EventLogFs {
  openSync(path: string, flags: string): number;
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number): number;
  fsync(fd: number, callback: (error: NodeJS.ErrnoException | null) => void): void;
  closeSync(fd: number): void;
}

/** A file open for append through an EventLogFs. */
export class LogFile {
  readonly path: string;
  readonly #fs: EventLogFs;
  #fd: number | undefined;

  private constructor(path: string, fs: EventLogFs, fd: number) {
    this.path = path;
    this.#fs = fs;
    this.#fd = fd;
  }

  /** Opens `path` for append; with `isNew`, fails with the EEXIST error when it already exists. */
  static open(path: string, isNew: boolean, fs: EventLogFs = nodeFs): LogFile {
    return new LogFile(path, fs, fs.openSync(path, isNew ? 'ax' : 'a'));
  }

  /** Writes all of `bytes` at the end of the file (a short write is continued, never left half-done). */
  writeAll(bytes: Uint8Array): void {
    const fd = this.#getFd();
    let offset = 0;
    while (offset < bytes.length) {
      const written = this.#fs.writeSync(fd, bytes, offset, bytes.length - offset);
      if (written <= 0) throw new Error('the file system accepted no bytes');
      offset += written;
    }
  }

  /** Starts an fsync of everything written so far; `callback` gets its error, if any. */
  sync(callback: (error: unknown) => void): void {
    this.#fs.fsync(this.#getFd(), callback);
  }

  /** Closes the file; closing twice does nothing. */
  close(): void {
    const fd = this.#fd;
    this.#fd = undefined;
    if (fd !== undefined) this.#fs.closeSync(fd);
  }

  #getFd(): number {
    if (this.#fd === undefined) throw new Error(`${this.path} is closed`);
    return this.#fd;
  }
}

/** Wraps a file-system failure as an InfrastructureError saying what could not be done. */
export function toInfrastructureError(what: string, error: unknown): InfrastructureError {
  const reason = error instanceof Error ? error.message : String(error);
  return new InfrastructureError(`${what}: ${reason}`, error);
}

/** Makes the entries of a directory (a newly created file or folder) durable. */
export async function syncDir(dir: string): Promise<void> {
  // Windows cannot open a directory to fsync it; NTFS journals the entry anyway.
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
