// Damaged event logs through the CLI: a damaged end is repaired and kept aside, damage in the middle fails closed.

import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMia } from '../helpers/cli.js';
import { parseRunId } from '../helpers/run-files.js';
import { createFaultWorkspace, eventsPathOf, readEventLog } from './helpers.js';

// Fails until the file `fixed` exists, so every run here is left resumable.
const FIXME = `name: fixme
narrative: "A failure fixed between runs"
steps:
  - { id: first, action: shell, with: { run: "echo first >> ran.txt" } }
  - { id: second, action: shell, depends_on: [first], with: { run: "test -f fixed || exit 1; echo second >> ran.txt" } }
`;

/** A workspace with one failed run of `fixme`, then fixed; returns where its log is. */
async function failedRun(): Promise<{ ws: string; runId: string; path: string }> {
  const ws = await createFaultWorkspace({ fixme: FIXME });
  const result = await runMia(['workflow', 'run', 'fixme'], { cwd: ws });
  expect(result.exitCode, result.stderr).toBe(1);
  await writeFile(join(ws, 'fixed'), '');
  const runId = parseRunId(result.stdout);
  return { ws, runId, path: eventsPathOf(ws, runId) };
}

async function tornFiles(ws: string, runId: string): Promise<string[]> {
  const names = await readdir(join(ws, '.mia/runs', runId));
  return names.filter((name) => name.startsWith('events.jsonl.torn-'));
}

/** Resumes and checks the log is whole again: seq continuous, the resume right after the last good event. */
async function expectCleanResume(ws: string, runId: string, lastGoodSeq: number) {
  const result = await runMia(['workflow', 'resume', runId], { cwd: ws });
  expect(result.exitCode, result.stderr).toBe(0);
  const events = await readEventLog(ws, runId);
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  expect(events[lastGoodSeq]?.type).toBe('workflow.resumed');
  expect(events.at(-1)?.type).toBe('workflow.completed');
  return result;
}

describe('a damaged end of the event log', () => {
  const damages: Array<[string, (good: Buffer) => Buffer]> = [
    ['a torn last line', (good) => Buffer.concat([good, Buffer.from('{"v":1,"id":"x","seq":')])],
    [
      'trailing garbage',
      (good) => Buffer.concat([good, Buffer.from([0xff, 0xfe, 0x00, 0x41, 0x7b, 0x22])]),
    ],
    ['zero bytes (a size extended by a crash)', (good) => Buffer.concat([good, Buffer.alloc(512)])],
  ];

  for (const [what, damage] of damages) {
    it(`moves ${what} aside with a warning and appends cleanly after the last complete event`, async () => {
      const { ws, runId, path } = await failedRun();
      const good = await readFile(path);
      const lastGoodSeq = (await readEventLog(ws, runId)).length;
      const damaged = damage(good);
      await writeFile(path, damaged);

      const result = await expectCleanResume(ws, runId, lastGoodSeq);
      expect(result.stderr).toMatch(/warning: .*incomplete line/);
      const [aside] = await tornFiles(ws, runId);
      expect(aside).toBeDefined();
      expect(result.stderr).toContain(aside);
      const kept = await readFile(join(ws, '.mia/runs', runId, aside!));
      expect(kept.equals(damaged.subarray(good.length))).toBe(true);
      expect((await readFile(path)).subarray(0, good.length).equals(good)).toBe(true);
    });
  }

  it('adds a missing final newline and keeps the last event', async () => {
    const { ws, runId, path } = await failedRun();
    const good = await readFile(path);
    const lastGoodSeq = (await readEventLog(ws, runId)).length;
    await writeFile(path, good.subarray(0, good.length - 1));

    const result = await expectCleanResume(ws, runId, lastGoodSeq);
    expect(result.stderr).not.toContain('warning');
    expect(await tornFiles(ws, runId)).toEqual([]);
  });
});

describe('damage in the middle of the event log', () => {
  const damages: Array<[string, (lines: string[]) => string[], RegExp]> = [
    [
      'an unparseable line',
      (lines) => lines.map((line, i) => (i === 3 ? '{"v":1,"seq":4,"type":"wor' : line)),
      /events\.jsonl:4: not a JSON event/,
    ],
    [
      'a missing event (a seq gap)',
      (lines) => lines.filter((_, i) => i !== 2),
      /events\.jsonl:3: expected event seq 3, found 4/,
    ],
    [
      'a repeated event',
      (lines) => [...lines.slice(0, 3), lines[2]!, ...lines.slice(3)],
      /events\.jsonl:4: expected event seq 4, found 3/,
    ],
    [
      'a line of NUL bytes',
      (lines) => lines.map((line, i) => (i === 1 ? '\0'.repeat(line.length) : line)),
      /events\.jsonl:2: not a JSON event/,
    ],
    [
      'an event from a newer mia-workflow',
      (lines) => lines.map((line, i) => (i === 2 ? line.replace(/"v":\d+/, '"v":99') : line)),
      /events\.jsonl:3: event written by a newer mia-workflow \(format v99\)/,
    ],
  ];

  for (const [what, damage, message] of damages) {
    it(`fails closed on ${what}: exit 2, the line named, nothing appended`, async () => {
      const { ws, runId, path } = await failedRun();
      const lines = (await readFile(path, 'utf8')).split('\n').slice(0, -1);
      const damaged = `${damage(lines).join('\n')}\n`;
      await writeFile(path, damaged);

      for (const args of [
        ['workflow', 'resume', runId],
        ['workflow', 'status', runId],
        ['workflow', 'story', runId],
      ]) {
        const result = await runMia(args, { cwd: ws });
        expect(result.exitCode, `${args[1]}: ${result.stderr}`).toBe(2);
        expect(result.stderr).toMatch(message);
        expect(result.stderr).toContain(path);
        expect(result.stdout).toBe('');
      }
      expect(await readFile(path, 'utf8')).toBe(damaged);
      expect(await tornFiles(ws, runId)).toEqual([]);
      expect(await readFile(join(ws, 'ran.txt'), 'utf8')).toBe('first\n');
    });
  }
});
