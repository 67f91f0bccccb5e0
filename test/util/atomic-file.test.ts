import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileAtomically } from '../../src/util/atomic-file.js';

const folders: string[] = [];

async function createFolder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mia-atomic-'));
  folders.push(dir);
  return dir;
}

afterEach(async () => {
  await Promise.all(folders.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A large JSON document whose filler tells which version it is: a torn read cannot parse whole. */
function version(n: number): string {
  return `${JSON.stringify({ n, filler: String(n % 10).repeat(2 * 1024 * 1024) })}\n`;
}

describe('writeFileAtomically', () => {
  it('makes the folder, writes the file, and leaves no temporary file beside it', async () => {
    const dir = await createFolder();
    const path = join(dir, '.stc/charts/mia-workflow-x.json');
    await writeFileAtomically(path, '{"a":1}\n');
    expect(await readFile(path, 'utf8')).toBe('{"a":1}\n');
    expect(await readdir(join(dir, '.stc/charts'))).toEqual(['mia-workflow-x.json']);
  });

  it('never shows a concurrent reader part of a file while it is replaced again and again', async () => {
    const dir = await createFolder();
    const path = join(dir, 'chart.json');
    await writeFileAtomically(path, version(0));
    const seen = new Set<number>();
    let isWriting = true;
    const reader = (async () => {
      while (isWriting) {
        const parsed = JSON.parse(await readFile(path, 'utf8')) as { n: number; filler: string };
        expect(parsed.filler).toBe(String(parsed.n % 10).repeat(2 * 1024 * 1024));
        seen.add(parsed.n);
      }
    })();
    for (let n = 1; n <= 12; n++) await writeFileAtomically(path, version(n));
    isWriting = false;
    await reader;
    expect(seen.size).toBeGreaterThan(0);
    expect(JSON.parse(await readFile(path, 'utf8')).n).toBe(12);
  });

  it('leaves the previous file and no temporary file when the write fails', async () => {
    const dir = await createFolder();
    // A folder with something in it cannot be replaced by a file: the rename fails.
    const path = join(dir, 'chart.json');
    await mkdir(path);
    await writeFile(join(path, 'kept'), 'previous');
    await expect(writeFileAtomically(path, '{}')).rejects.toThrow();
    expect(await readdir(dir)).toEqual(['chart.json']);
    expect(await readFile(join(path, 'kept'), 'utf8')).toBe('previous');
  });
});
