// Encoding for the fan-out: `events` messages hold the shared bytes of each event, in order, and
// split at MAX_BATCH_BYTES; mixed messages keep one per event where a client wants that; the
// frames made for every client are what a WebSocket client reads.

import { describe, expect, it } from 'vitest';
import * as ws from 'ws';
import type { MiaEvent } from '../../src/events/types.js';
import {
  encodeBatchMessages,
  encodeEvent,
  encodeMessages,
  frameTextMessages,
  MAX_BATCH_BYTES,
} from '../../src/server/fan-out.js';
import { RunEvents } from '../helpers/run-events.js';
import { range, seqsOf } from './helpers.js';

/** `count` events of one run, each about `textBytes` long. */
function makeEvents(count: number, textBytes = 10): MiaEvent[] {
  const run = new RunEvents('run-enc').start(['a:']);
  for (let i = 1; i < count; i += 1) {
    run.add('workflow.step.log', { stepId: 'a', stream: 'stdout', text: 'x'.repeat(textBytes) });
  }
  return run.events.slice(0, count);
}

function parseAll(frames: Buffer[]): unknown[] {
  return frames.map((frame) => JSON.parse(frame.toString('utf8')));
}

describe('fan-out encoding', () => {
  it('puts every event in one `events` message when they fit, in order', () => {
    const events = makeEvents(50);
    const [message, ...rest] = parseAll(
      encodeBatchMessages(events.map((event) => encodeEvent(event))),
    );
    expect(rest).toEqual([]);
    expect(message).toEqual({ type: 'events', events });
  });

  it('splits at MAX_BATCH_BYTES and sends an event bigger than that alone', () => {
    const events = [...makeEvents(200, 4000), ...makeEvents(2, MAX_BATCH_BYTES * 2).slice(1)];
    const frames = encodeBatchMessages(events.map((event) => encodeEvent(event)));
    const messages = parseAll(frames) as { events: MiaEvent[] }[];
    expect(messages.length).toBeGreaterThan(2);
    expect(messages.at(-1)?.events).toHaveLength(1);
    for (const [index, frame] of frames.entries()) {
      if (index < frames.length - 1) expect(frame.length).toBeLessThan(MAX_BATCH_BYTES + 100);
    }
    expect(messages.flatMap((m) => m.events)).toEqual(events);
  });

  it('makes nothing of no events', () => {
    expect(encodeBatchMessages([])).toEqual([]);
  });

  it('groups only the batched events and keeps the others one per message, in order', () => {
    const events = makeEvents(9);
    const isBatched = (event: MiaEvent) => event.seq % 4 !== 0;
    const messages = parseAll(
      encodeMessages(
        events.map((event) => encodeEvent(event)),
        isBatched,
      ),
    ) as (MiaEvent | { type: 'events'; events: MiaEvent[] })[];
    const shape = messages.map((m) => ('seq' in m ? m.seq : seqsOf(m.events)));
    expect(shape).toEqual([[1, 2, 3], 4, [5, 6, 7], 8, [9]]);
    expect(range(1, 9)).toEqual(shape.flat());
  });

  it('frames messages of every length form so that a ws client reads them back whole, in order', async () => {
    const lengths = [0, 1, 125, 126, 65_535, 65_536, 300_000];
    const messages = lengths.map((length, index) => Buffer.alloc(length, 97 + index));
    const read = await readAsClient(frameTextMessages(messages));
    expect(read.map((text) => text.length)).toEqual(lengths);
    expect(read).toEqual(messages.map((message) => message.toString('utf8')));
  });
});

/** The text messages a ws client reads from `bytes` (its receiver, fed the bytes in pieces). */
function readAsClient(bytes: Buffer): Promise<string[]> {
  type Receiver = {
    on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): void;
    on(event: 'error', listener: (error: Error) => void): void;
    write(chunk: Buffer): void;
    end(callback: () => void): void;
  };
  const { Receiver } = ws as unknown as {
    Receiver: new (options: { isServer: boolean; maxPayload: number }) => Receiver;
  };
  const receiver = new Receiver({ isServer: false, maxPayload: 0 });
  const read: string[] = [];
  return new Promise((resolve, reject) => {
    receiver.on('message', (data, isBinary) => {
      if (isBinary) reject(new Error('a binary message'));
      read.push(String(data));
    });
    receiver.on('error', reject);
    for (let start = 0; start < bytes.length; start += 1000) {
      receiver.write(bytes.subarray(start, start + 1000));
    }
    receiver.end(() => resolve(read));
  });
}
