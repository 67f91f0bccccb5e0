// A process killed while it writes a cache entry leaves no entry that could be used: the next run
// is a miss, runs the step, and writes a whole entry (never a wrong result).

import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createWorkspace, runMia, startMia } from '../helpers/cli.js';
import { eventsFor, parseRunId, readMarkers, readRunEvents } from '../helpers/run-files.js';

const WORKFLOW = [
  'name: big',
  'narrative: "A large build output is cached"',
  'steps:',
  '  - id: build',
  '    action: shell',
  // 48 MiB: streamed into the entry, long enough for the test to see the write under way.
  '    with: { run: "echo run >> runs.log; mkdir -p dist; head -c 50331648 /dev/zero > dist/big.bin; echo done > dist/small.txt" }',
  '    cache: { inputs: ["src/**"], outputs: ["dist/**"] }',
  '',
].join('\n');

async function listWrites(ws: string): Promise<string[]> {
  const names = await readdir(join(ws, '.mia/cache')).catch(() => [] as string[]);
  return names.filter((name) => name.startsWith('.write-'));
}

/** Starts a run and SIGKILLs it the moment its cache write is under way; true when it was caught so. */
async function killDuringWrite(ws: string): Promise<boolean> {
  const child = startMia(['workflow', 'run', 'big'], { cwd: ws });
  const giveUpAt = Date.now() + 30_000;
  while (Date.now() < giveUpAt && child.exitCode === null) {
    if ((await listWrites(ws)).length > 0) {
      child.kill('SIGKILL');
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await child;
  // Caught mid-write only if the write folder outlived the process (it was not renamed in time).
  return (await listWrites(ws)).length > 0;
}

describe('a cache entry written when the process is killed', () => {
  it('is a miss: the next run runs the step and writes a whole entry', async () => {
    const ws = await createWorkspace({ big: WORKFLOW });
    await mkdir(join(ws, 'src'));
    await writeFile(join(ws, 'src/a.txt'), 'a');
    let caught = false;
    for (let attempt = 0; attempt < 3 && !caught; attempt++) {
      await rm(join(ws, '.mia/cache'), { recursive: true, force: true });
      caught = await killDuringWrite(ws);
    }
    expect(caught, 'the kill never landed during the cache write (3 tries)').toBe(true);
    const entries = (await readdir(join(ws, '.mia/cache'))).filter((name) => !name.startsWith('.'));
    expect(entries).toEqual([]);
    const shown = await runMia(['cache', 'show'], { cwd: ws });
    expect(shown.stdout).toContain('left by a write that never finished (never used');

    await rm(join(ws, 'dist'), { recursive: true, force: true });
    const before = (await readMarkers(join(ws, 'runs.log'))).length;
    const next = await runMia(['workflow', 'run', 'big'], { cwd: ws });
    expect(next.exitCode, next.stderr).toBe(0);
    const events = await readRunEvents(ws, parseRunId(next.stdout));
    expect(eventsFor(events, 'workflow.step.completed', 'build')[0]?.payload.cache).toMatchObject({
      hit: false,
    });
    expect(await readMarkers(join(ws, 'runs.log'))).toHaveLength(before + 1);

    await rm(join(ws, 'dist'), { recursive: true });
    const reused = await runMia(['workflow', 'run', 'big'], { cwd: ws });
    const reusedEvents = await readRunEvents(ws, parseRunId(reused.stdout));
    expect(
      eventsFor(reusedEvents, 'workflow.step.completed', 'build')[0]?.payload.cache,
    ).toMatchObject({
      hit: true,
    });
    expect(await readFile(join(ws, 'dist/small.txt'), 'utf8')).toBe('done\n');
    expect((await stat(join(ws, 'dist/big.bin'))).size).toBe(50331648);
    expect(await runMia(['cache', 'clear'], { cwd: ws })).toMatchObject({ exitCode: 0 });
    expect(await readdir(join(ws, '.mia/cache'))).toEqual([]);
    await rm(ws, { recursive: true, force: true });
  });
});
