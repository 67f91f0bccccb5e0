// The step log writer with a real event log and a real file, its bound made small.

import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StepLogWriter } from '../../src/engine/step-log.js';
import type { EventOf } from '../../src/events/types.js';
import { EventLog } from '../../src/store/event-log.js';
import { createRunId, getStepLogPath } from '../../src/store/paths.js';

const logs: EventLog[] = [];

afterEach(async () => {
  await Promise.all(logs.splice(0).map((log) => log.close()));
});

async function openWriter(limit: number) {
  const workspace = await mkdtemp(join(tmpdir(), 'mia-step-log-'));
  const runId = createRunId();
  const events = await EventLog.create(workspace, runId);
  logs.push(events);
  const seen: Array<EventOf<'workflow.step.log'>> = [];
  events.subscribe((event) => {
    if (event.type === 'workflow.step.log') seen.push(event);
  });
  const path = getStepLogPath(workspace, runId, 'loud');
  const writer = new StepLogWriter(path, events, 'loud', { eventOutputLimit: limit });
  return { writer, seen, path, events };
}

const textOf = (events: Array<EventOf<'workflow.step.log'>>) =>
  events.map((event) => event.payload.text).join('');

describe('StepLogWriter', () => {
  it('carries all of a small output in events and in the file', async () => {
    const { writer, seen, path, events } = await openWriter(4096);
    writer.write('stdout', 'one\ntwo\n');
    writer.write('stderr', 'oops\n');
    await writer.close();
    await events.flush();
    expect(textOf(seen)).toBe('one\ntwo\noops\n');
    expect(seen.every((event) => event.payload.truncated === undefined)).toBe(true);
    expect(await readFile(path, 'utf8')).toBe('one\ntwo\noops\n');
  });

  it('keeps the events of one attempt within the bound, notes included, and the whole output in the file', async () => {
    const limit = 2048;
    const { writer, seen, path, events } = await openWriter(limit);
    const lines = Array.from({ length: 400 }, (_, i) => `line ${i} ${'é'.repeat(i % 7)}\n`);
    for (const line of lines) writer.write('stdout', line);
    await writer.close();
    await events.flush();
    const file = await readFile(path);
    expect(file.toString('utf8')).toBe(lines.join(''));
    expect(Buffer.byteLength(textOf(seen))).toBeLessThanOrEqual(limit);

    const [cut, end] = seen.filter((event) => event.payload.truncated !== undefined);
    const carried = textOf(seen.slice(0, seen.indexOf(cut!)));
    // The events hold the start of the output, exactly, up to the file offset the notes give.
    const logOffset = cut?.payload.truncated?.logOffset ?? -1;
    expect(carried).toBe(file.subarray(0, logOffset).toString('utf8'));
    expect(Buffer.byteLength(carried)).toBeGreaterThan(limit - 400);
    expect(cut?.payload.truncated).toEqual({ logPath: path, logOffset, omittedBytes: null });
    expect(end?.payload.truncated).toEqual({
      logPath: path,
      logOffset,
      omittedBytes: file.length - logOffset,
    });
    expect(end?.payload.text).toBe(
      `[mia] ${file.length - logOffset} more bytes of this attempt's output are only in the step's log file.\n`,
    );
    expect(seen.at(-1)).toBe(end);
  });

  it('counts the bound as the text takes in events.jsonl, escapes included', async () => {
    const limit = 2048;
    const { writer, seen, path, events } = await openWriter(limit);
    // A NUL takes 6 bytes in JSON ("\u0000"): 1 KiB of them would be 6 KiB in the log.
    writer.write('stdout', `${'\u0000'.repeat(4000)}\n${'🎉'.repeat(2000)}\n`);
    await writer.close();
    await events.flush();
    const inLog = seen.reduce(
      (sum, event) => sum + JSON.stringify(event.payload.text).length - 2,
      0,
    );
    expect(inLog).toBeLessThanOrEqual(limit);
    expect(textOf(seen)).not.toContain('\uFFFD');
    expect((await readFile(path)).length).toBe(4000 + 1 + 4 * 2000 + 1);
  });

  it('never cuts a character in two where the events stop', async () => {
    const { writer, seen, events } = await openWriter(600);
    writer.write('stdout', `${'日本語'.repeat(200)}\n`);
    await writer.close();
    await events.flush();
    expect(textOf(seen)).not.toContain('\uFFFD');
    expect(textOf(seen)).toMatch(/^(日本語)+日?本?\n\[mia\] The events carry no more/);
  });

  it('gives each attempt its own bound and offsets past the earlier attempts in the file', async () => {
    const { writer, seen, path, events } = await openWriter(1024);
    writer.write('stdout', `${'a'.repeat(3000)}\n`);
    writer.endAttempt();
    writer.info('attempt 2 of 2');
    writer.write('stdout', 'second try\n');
    writer.write('stdout', `${'b'.repeat(3000)}\n`);
    await writer.close();
    await events.flush();
    const file = await readFile(path, 'utf8');
    const notes = seen.filter((event) => event.payload.truncated !== undefined);
    expect(notes.map((event) => event.payload.truncated?.omittedBytes ?? null)).toEqual([
      null,
      expect.any(Number),
      null,
      expect.any(Number),
    ]);
    const [first, firstEnd, second, secondEnd] = notes.map((event) => event.payload.truncated!);
    // The first attempt's omitted range ends where the second attempt's output begins.
    expect(first!.logOffset + firstEnd!.omittedBytes!).toBe(file.indexOf('[mia] attempt 2'));
    // The second attempt's events carry its start again (the file is ASCII: chars are bytes).
    expect(second!.logOffset).toBeGreaterThan(file.indexOf('second try\n') + 11);
    expect(secondEnd!.logOffset + secondEnd!.omittedBytes!).toBe(Buffer.byteLength(file));
    expect(textOf(seen)).toContain('second try\n');
  });

  it('keeps the exact bytes a step wrote in the file, invalid UTF-8 and control bytes included, while the events carry their text', async () => {
    const { writer, seen, path, events } = await openWriter(4096);
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x61, 0x1b, 0x5b, 0x32, 0x4a, 0x0d, 0x0a, 0xc3]);
    writer.write('stdout', bytes);
    writer.write('stdout', Buffer.from([0xa9, 0x0a, 0x80, 0x0a]));
    await writer.close();
    await events.flush();
    expect(await readFile(path)).toEqual(
      Buffer.concat([bytes, Buffer.from([0xa9, 0x0a, 0x80, 0x0a])]),
    );
    // The events get text: a character split between two writes is whole, invalid bytes are U+FFFD.
    expect(textOf(seen)).toBe('\uFFFD\uFFFD\u0000a\u001b[2J\r\né\n\uFFFD\n');
  });

  it('never splits a character between the parts of a line too long to wait for', async () => {
    const { writer, seen, path, events } = await openWriter(64 * 1024);
    const line = Buffer.from(`${'é'.repeat(9000)}\n`);
    // Fed in odd-sized pieces, so most pieces end inside a character.
    for (let at = 0; at < line.length; at += 1001)
      writer.write('stdout', line.subarray(at, at + 1001));
    await writer.close();
    await events.flush();
    expect(await readFile(path)).toEqual(line);
    expect(textOf(seen)).toBe(line.toString('utf8'));
  });

  it('gives the file offset where the events stop, in bytes, for output that is not UTF-8', async () => {
    const { writer, seen, path, events } = await openWriter(1024);
    const noise = Buffer.alloc(5000, 0);
    for (let i = 0; i < noise.length; i++) noise[i] = i % 7 === 0 ? 0x0a : 0x80 + (i % 120);
    writer.write('stdout', noise);
    await writer.close();
    await events.flush();
    const file = await readFile(path);
    expect(file).toEqual(noise);
    const cut = seen.find((event) => event.payload.truncated !== undefined);
    const logOffset = cut?.payload.truncated?.logOffset ?? -1;
    expect(logOffset).toBeGreaterThan(0);
    const carried = textOf(seen.slice(0, seen.indexOf(cut!)));
    expect(carried).toBe(file.subarray(0, logOffset).toString('utf8'));
  });

  it('writes nothing, not even a file, for a step that says nothing', async () => {
    const { writer, seen, path } = await openWriter(1024);
    await writer.close();
    expect(seen).toEqual([]);
    await expect(readFile(path)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
