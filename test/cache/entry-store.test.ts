// Cache entries on disk: written whole, read back only when whole, restored byte for byte.

import { randomBytes } from 'node:crypto';
import {
  chmod,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  stat,
  symlink,
  truncate,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type CacheEntry,
  getBlobPath,
  getCacheDir,
  LEFTOVER_AGE_MS,
  readEntry,
  writeEntry,
} from '../../src/cache/entry-store.js';
import { matchFiles } from '../../src/cache/files.js';
import { restoreEntry, verifyEntry } from '../../src/cache/restore.js';

const FP = 'f'.repeat(64);

async function createWorkspace(): Promise<string> {
  const ws = await mkdtemp(join(tmpdir(), 'mia-cache-'));
  await mkdir(join(ws, 'dist/bin'), { recursive: true });
  await writeFile(join(ws, 'dist/app.js'), 'console.log(1)\n');
  await writeFile(join(ws, 'dist/bin/tool'), randomBytes(70_000));
  await chmod(join(ws, 'dist/bin/tool'), 0o750);
  await symlink('app.js', join(ws, 'dist/latest.js'));
  return ws;
}

async function save(ws: string): Promise<CacheEntry> {
  return writeEntry(ws, FP, {
    workflow: 'w',
    stepId: 'build',
    runId: 'run-1',
    outputs: { answer: 42 },
    outputPatterns: ['dist/**'],
  });
}

async function readWhole(ws: string): Promise<CacheEntry> {
  const found = await readEntry(ws, FP);
  if (!('entry' in found)) throw new Error(`expected an entry, got a miss: ${found.miss}`);
  return found.entry;
}

describe('cache entries', () => {
  it('restores deleted and changed files byte for byte, with their modes and links', async () => {
    const ws = await createWorkspace();
    const tool = await readFile(join(ws, 'dist/bin/tool'));
    await save(ws);
    await rm(join(ws, 'dist'), { recursive: true });
    await mkdir(join(ws, 'dist'));
    await writeFile(join(ws, 'dist/app.js'), 'changed since');
    const entry = await readWhole(ws);
    expect(entry.outputs).toEqual({ answer: 42 });
    expect(await restoreEntry(ws, entry)).toBeUndefined();
    expect(await readFile(join(ws, 'dist/app.js'), 'utf8')).toBe('console.log(1)\n');
    expect((await readFile(join(ws, 'dist/bin/tool'))).equals(tool)).toBe(true);
    expect((await stat(join(ws, 'dist/bin/tool'))).mode & 0o777).toBe(0o750);
    expect(await readlink(join(ws, 'dist/latest.js'))).toBe('app.js');
    // Nothing of the restore is left beside the files.
    expect((await readdir(join(ws, 'dist'))).sort()).toEqual(['app.js', 'bin', 'latest.js']);
  });

  it('leaves no trace of a write in the cache folder but the entry itself', async () => {
    const ws = await createWorkspace();
    await save(ws);
    await save(ws);
    expect(await readdir(getCacheDir(ws))).toEqual([FP]);
  });

  it('removes what killed writes left once it is a day old, and nothing younger', async () => {
    const ws = await createWorkspace();
    const old = join(getCacheDir(ws), '.write-abc-old');
    const young = join(getCacheDir(ws), '.write-abc-young');
    await mkdir(old, { recursive: true });
    await mkdir(young, { recursive: true });
    const dayAndMinuteAgo = new Date(Date.now() - LEFTOVER_AGE_MS - 60_000);
    await utimes(old, dayAndMinuteAgo, dayAndMinuteAgo);
    await save(ws);
    expect((await readdir(getCacheDir(ws))).sort()).toEqual(['.write-abc-young', FP]);
  });

  it('keeps one whole entry when several processes write the same fingerprint at once', async () => {
    const ws = await createWorkspace();
    await Promise.all(Array.from({ length: 6 }, () => save(ws)));
    expect(await readdir(getCacheDir(ws))).toEqual([FP]);
    const entry = await readWhole(ws);
    expect(await verifyEntry(ws, entry)).toBe(true);
    expect(entry.files.map((file) => file.path)).toEqual([
      'dist/app.js',
      'dist/bin/tool',
      'dist/latest.js',
    ]);
  });

  it.each<[string, (ws: string, entry: CacheEntry) => Promise<void>, RegExp]>([
    [
      'its manifest is gone (a write that never finished)',
      (ws) => rm(join(getCacheDir(ws), FP, 'entry.json')),
      /no cache entry/,
    ],
    [
      'its manifest is not JSON',
      (ws) => writeFile(join(getCacheDir(ws), FP, 'entry.json'), '{"v":1,'),
      /corrupt/,
    ],
    [
      'its manifest is of another shape',
      (ws) => writeFile(join(getCacheDir(ws), FP, 'entry.json'), '{"v":1}'),
      /corrupt/,
    ],
    [
      'its manifest names a file outside the workspace',
      async (ws, entry) => {
        const files = entry.files.map((file) => ({ ...file, path: `../${file.path}` }));
        await writeFile(
          join(getCacheDir(ws), FP, 'entry.json'),
          JSON.stringify({ ...entry, files }),
        );
      },
      /corrupt/,
    ],
    ['it lost a file', (ws) => rm(getBlobPath(ws, FP, '0')), /lost/],
    ['a file was cut short', (ws) => truncate(getBlobPath(ws, FP, '1'), 10), /lost/],
  ])('is a miss when %s', async (_what, damage, reason) => {
    const ws = await createWorkspace();
    const entry = await save(ws);
    await damage(ws, entry);
    const found = await readEntry(ws, FP);
    expect('miss' in found && found.miss).toMatch(reason);
  });

  it('restores nothing from an entry whose file changed but kept its size', async () => {
    const ws = await createWorkspace();
    const entry = await save(ws);
    const blob = entry.files.find((file) => file.kind === 'file' && file.path === 'dist/app.js');
    if (blob?.kind !== 'file') throw new Error('no blob for dist/app.js');
    await writeFile(getBlobPath(ws, FP, blob.blob), 'console.log(2)\n');
    await writeFile(join(ws, 'dist/app.js'), 'the current one');
    await rm(join(ws, 'dist/bin/tool'));
    expect(await verifyEntry(ws, await readWhole(ws))).toBe(false);
    expect(await restoreEntry(ws, await readWhole(ws))).toMatch(/damaged/);
    // All or nothing: no file was put back, none was overwritten.
    expect(await readFile(join(ws, 'dist/app.js'), 'utf8')).toBe('the current one');
    await expect(lstat(join(ws, 'dist/bin/tool'))).rejects.toThrow();
  });

  it('never writes through a folder that became a link leading out of the workspace', async () => {
    const ws = await createWorkspace();
    const entry = await save(ws);
    const outside = await mkdtemp(join(tmpdir(), 'mia-outside-'));
    await rm(join(ws, 'dist'), { recursive: true });
    await symlink(outside, join(ws, 'dist'));
    // The deepest file first: its folder (dist/bin) does not exist behind the link yet.
    entry.files.sort((a, b) => b.path.length - a.path.length);
    expect(await restoreEntry(ws, entry)).toMatch(/link that leads out of the workspace/);
    expect(await readdir(outside)).toEqual([]);
  });

  it('matches a folder named without a glob as everything under it', async () => {
    const ws = await createWorkspace();
    expect(await matchFiles(ws, ['dist'])).toEqual([
      'dist/app.js',
      'dist/bin/tool',
      'dist/latest.js',
    ]);
    expect(await matchFiles(ws, ['dist/*.js'])).toEqual(['dist/app.js', 'dist/latest.js']);
  });
});
