import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../helpers/cli.js';
import { createFaultWorkspace } from './helpers.js';

const SIZE = 4 * 1024 * 1024;

/** A process that replaces a large chart file again and again (through the built module). */
function startWriter(path: string) {
  const module = pathToFileURL(join(PACKAGE_ROOT, 'dist/util/atomic-file.js')).href;
  const script = `
    const { writeFileAtomically } = await import(${JSON.stringify(module)});
    for (let n = 1; ; n++) {
      await writeFileAtomically(${JSON.stringify(path)},
        JSON.stringify({ n, filler: String(n % 10).repeat(${SIZE}) }) + '\\n');
      process.stdout.write(n + '\\n');
    }`;
  return spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

describe('chart writes killed midway', () => {
  it('leave the previous whole chart, never a torn one, whenever the writer dies', async () => {
    const dir = await createFaultWorkspace();
    const path = join(dir, '.stc/charts/mia-workflow-x.json');
    for (const writesBeforeKill of [2, 3, 5]) {
      const child = startWriter(path);
      let written = 0;
      await new Promise<void>((resolve) => {
        child.stdout.on('data', (chunk: Buffer) => {
          written = Math.max(written, ...String(chunk).trim().split('\n').map(Number));
          if (written >= writesBeforeKill) resolve();
        });
      });
      // Killed while it writes the next version: the file is the last whole one, or the next.
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      const chart = JSON.parse(await readFile(path, 'utf8')) as { n: number; filler: string };
      expect(chart.n).toBeGreaterThanOrEqual(writesBeforeKill);
      expect(chart.filler).toBe(String(chart.n % 10).repeat(SIZE));
      // What a tool listing *.json sees: the chart alone (a temporary file is hidden).
      const listed = (await readdir(join(dir, '.stc/charts'))).filter((f) => f.endsWith('.json'));
      expect(listed).toEqual(['mia-workflow-x.json']);
    }
  });
});
