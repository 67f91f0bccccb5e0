import pc from 'picocolors';
import { describe, expect, it } from 'vitest';
import type { MiaEvent } from '../../src/events/types.js';
import type { Io } from '../../src/terminal/io.js';
import { createEventRenderer } from '../../src/terminal/render-events.js';

function createFakeIo(): Io & { written: string[] } {
  const written: string[] = [];
  return {
    written,
    out: (text) => written.push(text),
    err: (text) => written.push(text),
    isTty: false,
    colors: pc.createColors(false),
  };
}

const started = {
  v: 2,
  id: 'e1',
  seq: 1,
  type: 'workflow.started',
  channel: 'workflow:r1',
  runId: 'r1',
  traceId: 'd217eacce88732e2a98079b6c5288152',
  timestamp: '2026-11-23T17:22:00.000Z',
  payload: { workflow: 'demo', narrative: 'A demo ends', inputs: {}, steps: [] },
} as unknown as MiaEvent;

describe('createEventRenderer', () => {
  it('prints each event as one JSON line in json mode, from the first event on', () => {
    const io = createFakeIo();
    const renderer = createEventRenderer(io, 'json');
    renderer.render(started);
    renderer.stop();
    expect(io.written).toEqual([`${JSON.stringify(started)}\n`]);
  });

  it('prints the opening line at once in plain mode, with no footer', () => {
    const io = createFakeIo();
    const renderer = createEventRenderer(io, 'plain');
    renderer.render(started);
    renderer.stop();
    expect(io.written).toEqual(['demo: A demo ends\n']);
  });
});
