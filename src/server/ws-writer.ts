// Writes to one client of the socket: whole frames straight to its connection, behind whatever
// `ws` wrote before, never more waiting to be sent than a bound (a client past it is cut off, and
// may reconnect with `since`), and long replays paced by how fast the client reads.

import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import { frameTextMessages, waitForDrain } from './fan-out.js';
import type { ServerMessage } from './protocol.js';

/**
 * During a replay, past this many buffered bytes (or a quarter of the client's bound, if less)
 * the next message waits for the client to read.
 */
const REPLAY_HIGH_WATER_BYTES = 1024 * 1024;
/** Frames are written in pieces of this size, each checked against the client's buffer bound. */
const WRITE_PIECE_BYTES = 64 * 1024;

export class ClientWriter {
  readonly #socket: WebSocket;
  readonly #stream: Duplex;
  readonly #maxBufferedBytes: number;
  readonly #replayHighWater: number;

  /** `stream`: the connection under the WebSocket; event frames made once for all go straight to it. */
  constructor(socket: WebSocket, stream: Duplex, maxBufferedBytes: number) {
    this.#socket = socket;
    this.#stream = stream;
    this.#maxBufferedBytes = maxBufferedBytes;
    this.#replayHighWater = Math.min(REPLAY_HIGH_WATER_BYTES, maxBufferedBytes / 4);
  }

  /** True while the client is connected. */
  get isOpen(): boolean {
    return this.#socket.readyState === WebSocket.OPEN;
  }

  /** Sends a control message. */
  send(message: ServerMessage): void {
    this.writeFrames(frameTextMessages([Buffer.from(JSON.stringify(message), 'utf8')]));
  }

  /**
   * Writes whole frames (no compression: `ws` queues nothing, so they follow what it wrote). A
   * client whose unsent bytes would pass the bound is cut off instead.
   */
  writeFrames(frames: Buffer): void {
    if (!this.isOpen || !this.#stream.writable) return;
    for (let start = 0; start < frames.length; start += WRITE_PIECE_BYTES) {
      const piece = frames.subarray(start, start + WRITE_PIECE_BYTES);
      if (this.#socket.bufferedAmount + piece.length > this.#maxBufferedBytes) {
        this.#socket.terminate();
        return;
      }
      this.#stream.write(piece);
    }
  }

  /** Writes messages one by one, as fast as the client reads them, not all into the buffer. */
  async writePaced(messages: Iterable<Buffer>): Promise<void> {
    for (const message of messages) {
      if (!this.isOpen) return;
      this.writeFrames(frameTextMessages([message]));
      if (this.#socket.bufferedAmount > this.#replayHighWater) await waitForDrain(this.#socket);
    }
  }
}
