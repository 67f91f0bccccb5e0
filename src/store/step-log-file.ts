// A step's log file, logs/<step-id>.log: appended synchronously, so that a step that prints
// faster than the disk takes it is held back by its own pipe, never buffered in memory, and so
// that the engine always knows the file's size (the offset the log endpoint reads from).

import { closeSync, fstatSync, openSync, writeSync } from 'node:fs';

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

  /** Appends `text` in UTF-8; returns the offset it starts at (undefined if the file is lost). */
  append(text: string): number | undefined {
    const fd = this.#open();
    if (fd === undefined) return undefined;
    const start = this.#size;
    const bytes = Buffer.from(text, 'utf8');
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
