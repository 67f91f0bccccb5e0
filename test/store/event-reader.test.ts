import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventLogError, RunNotFoundError } from '../../src/errors.js';
import { getTraceId } from '../../src/events/types.js';
import {
  migrateEvent,
  parseEventLog,
  readEvents,
  repairTornTail,
} from '../../src/store/event-reader.js';
import { createWorkspace } from './helpers.js';

const PATH = '/runs/r1/events.jsonl';

function line(seq: number, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    v: 2,
    id: `id-${seq}`,
    seq,
    type: 'workflow.step.log',
    channel: 'workflow:r1',
    runId: 'r1',
    traceId: getTraceId('r1'),
    timestamp: '2026-11-23T17:22:00.000Z',
    payload: { stepId: 'build', stream: 'stdout', text: `line ${seq}` },
    ...extra,
  });
}

function parse(text: string) {
  return parseEventLog(Buffer.from(text, 'utf8'), PATH);
}

function parseError(text: string): EventLogError {
  try {
    parse(text);
  } catch (error) {
    expect(error).toBeInstanceOf(EventLogError);
    expect(error).toMatchObject({ code: 'MIA_STORE_EVENT_LOG' });
    return error as EventLogError;
  }
  throw new Error('expected an EventLogError');
}

describe('parseEventLog', () => {
  it('reads every complete event in seq order', () => {
    const contents = parse(`${line(1)}\n${line(2)}\n`);
    expect(contents.events.map((event) => event.seq)).toEqual([1, 2]);
    expect(contents).toMatchObject({ tornTail: undefined, isMissingFinalNewline: false });
  });

  it('reads an empty log as no events', () => {
    expect(parse('')).toEqual({
      events: [],
      tornTail: undefined,
      isMissingFinalNewline: false,
      validBytes: 0,
    });
  });

  it.each([
    ['an unparseable line', '{"v":1,"seq":3,"ty'],
    ['a parseable but incomplete event', '{"v":1,"seq":3}'],
    ['NUL bytes left by a crash', '\0\0\0\0'],
  ])('reports a torn last line (%s) without failing', (_name, tail) => {
    const body = `${line(1)}\n${line(2)}\n`;
    const contents = parse(body + tail);
    expect(contents.events).toHaveLength(2);
    expect(contents.tornTail).toBe(tail);
    expect(contents.validBytes).toBe(Buffer.byteLength(body));
  });

  it('keeps a complete last event whose newline is missing', () => {
    const contents = parse(`${line(1)}\n${line(2)}`);
    expect(contents.events.map((event) => event.seq)).toEqual([1, 2]);
    expect(contents).toMatchObject({ tornTail: undefined, isMissingFinalNewline: true });
  });

  it('refuses an unparseable line in the middle and names its line', () => {
    const error = parseError(`${line(1)}\n{"v":1,"seq":2,"ty\n${line(3)}\n`);
    expect(error.message).toBe(`${PATH}:2: not a JSON event (unparseable line).`);
  });

  it('refuses a damaged last line that ends with a newline', () => {
    expect(parseError(`${line(1)}\ngarbage\n`).message).toMatch(`${PATH}:2:`);
  });

  it.each([
    ['without a type', { type: 7 }, 'event without a "type"'],
    ['without a seq', { seq: '2' }, 'event without a numeric "seq"'],
    ['without a payload', { payload: null }, 'event without a "payload" object'],
  ])('refuses an event %s in the middle', (_name, extra, reason) => {
    const error = parseError(`${line(1)}\n${line(2, extra)}\n${line(3)}\n`);
    expect(error.message).toBe(`${PATH}:2: ${reason}.`);
  });

  it('refuses an event from a newer format and says to upgrade', () => {
    const error = parseError(`${line(1)}\n${line(2, { v: 3 })}\n`);
    expect(error.message).toBe(
      `${PATH}:2: event written by a newer mia-workflow (format v3); upgrade mia-workflow to read it.`,
    );
    expect(error.hint).toBe(
      'This mia-workflow reads event formats up to v2: npm install -g mia-workflow@latest.',
    );
  });

  it('refuses an event without a format version', () => {
    const error = parseError(`${line(1, { v: undefined })}\n`);
    expect(error.message).toMatch(/:1: event written by a newer mia-workflow \(format unknown\)/);
  });

  it('refuses a newer format even on an unterminated last line', () => {
    expect(() => parse(`${line(1)}\n${line(2, { v: 9 })}`)).toThrow(/format v9/);
  });

  it.each([
    ['a gap', [1, 2, 4], 3, 'expected event seq 3, found 4'],
    ['a repeat', [1, 2, 2], 3, 'expected event seq 3, found 2'],
    ['a log not starting at 1', [2], 1, 'expected event seq 1, found 2'],
  ])('refuses %s in the sequence and names the line', (_name, seqs, lineNumber, reason) => {
    const text = seqs.map((seq) => `${line(seq)}\n`).join('');
    expect(parseError(text).message).toMatch(`${PATH}:${lineNumber}: ${reason}`);
  });
});

describe('migrateEvent', () => {
  it('returns an event of the current format unchanged', () => {
    const raw = JSON.parse(line(1)) as Record<string, unknown>;
    expect(migrateEvent(raw, 'here')).toBe(raw);
  });
});

describe('readEvents', () => {
  it('reports a missing log as a run not found', async () => {
    const workspace = await createWorkspace();
    const error = await readEvents(join(workspace, 'events.jsonl')).catch((caught) => caught);
    expect(error).toBeInstanceOf(RunNotFoundError);
    expect(error.hint).toMatch('mia workflow runs');
  });
});

describe('repairTornTail', () => {
  it('moves the torn bytes aside, truncates the log, and returns a warning', async () => {
    const workspace = await createWorkspace();
    const path = join(workspace, 'events.jsonl');
    const torn = '{"v":1,"seq":2,"type":"wo\u00e9';
    await writeFile(path, `${line(1)}\n${torn}`);

    const warning = await repairTornTail(path, await readEvents(path));
    expect(warning).toMatch(/ended with an incomplete line \(\d+ bytes.*continued after event 1\./);
    expect(await readFile(path, 'utf8')).toBe(`${line(1)}\n`);
    const aside = (await readdir(workspace)).filter((name) => name.includes('.torn-'));
    expect(aside).toHaveLength(1);
    expect(await readFile(join(workspace, aside[0] ?? ''), 'utf8')).toBe(torn);
  });

  it('adds the missing newline after a complete last event', async () => {
    const workspace = await createWorkspace();
    const path = join(workspace, 'events.jsonl');
    await writeFile(path, `${line(1)}\n${line(2)}`);
    expect(await repairTornTail(path, await readEvents(path))).toBeUndefined();
    expect(await readFile(path, 'utf8')).toBe(`${line(1)}\n${line(2)}\n`);
  });

  it('leaves a clean log alone', async () => {
    const workspace = await createWorkspace();
    const path = join(workspace, 'events.jsonl');
    await writeFile(path, `${line(1)}\n`);
    expect(await repairTornTail(path, await readEvents(path))).toBeUndefined();
    expect(await readdir(workspace)).toEqual(['events.jsonl']);
  });
});
