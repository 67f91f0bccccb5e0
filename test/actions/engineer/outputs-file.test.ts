import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import {
  createOutputsPath,
  openOutputsDir,
  parseOutputs,
  readOutputsFile,
} from '../../../src/actions/engineer/outputs-file.js';

const hasUid = process.getuid !== undefined;

const parents: string[] = [];

afterAll(() => {
  for (const parent of parents) rmSync(parent, { recursive: true, force: true });
});

function makeParent(): string {
  const parent = mkdtempSync(join(tmpdir(), 'mia-outputs-test-'));
  parents.push(parent);
  return parent;
}

describe('the MIA_OUTPUT file', () => {
  it('gives a fresh path each time, in one folder only this user can enter', () => {
    const first = createOutputsPath();
    const second = createOutputsPath();
    expect(first).not.toBe(second);
    expect(dirname(first)).toBe(dirname(second));
    expect(statSync(dirname(first)).mode & 0o777).toBe(0o700);
  });

  it('means no outputs when the step wrote no file', async () => {
    const path = createOutputsPath();
    expect(await readOutputsFile(path)).toEqual({});
    expect(existsSync(path)).toBe(false);
  });

  it('reads the outputs a step wrote, then removes the file', async () => {
    const path = createOutputsPath();
    await writeFile(path, 'version=1.2.3\nnotes<<END\nline one\nline two\nEND\n');
    expect(await readOutputsFile(path)).toEqual({
      version: '1.2.3',
      notes: 'line one\nline two',
    });
    expect(existsSync(path)).toBe(false);
  });

  describe('with its own temp folder', () => {
    afterEach(() => {
      vi.unstubAllEnvs();
    });

    /** The module afresh (its folder not chosen yet), with TMPDIR set to `parent`. */
    async function importWithTmpdir(parent: string) {
      vi.stubEnv('TMPDIR', parent);
      vi.resetModules();
      return import('../../../src/actions/engineer/outputs-file.js');
    }

    it('makes the folder again, private, when it was removed after use (a temp cleaner)', async () => {
      const parent = makeParent();
      const outputs = await importWithTmpdir(parent);
      const first = outputs.createOutputsPath();
      expect(dirname(first).startsWith(parent)).toBe(true);
      rmSync(dirname(first), { recursive: true });
      const second = outputs.createOutputsPath();
      expect(existsSync(dirname(second))).toBe(true);
      expect(statSync(dirname(second)).mode & 0o777).toBe(0o700);
    });

    it('says to fix TMPDIR when no folder can be made there', async () => {
      const outputs = await importWithTmpdir(join(makeParent(), 'missing', 'deeper'));
      expect(() => outputs.createOutputsPath()).toThrow(
        expect.objectContaining({
          code: 'MIA_OUTPUTS_DIR',
          hint: 'Point TMPDIR at a folder this user can write to.',
        }),
      );
    });
  });

  it('ignores lines that are not key=value and keys that are not names', () => {
    expect(parseOutputs('no equals\n=empty\n1bad=x\nok=a=b\r\n')).toEqual({ ok: 'a=b' });
  });
});

describe('openOutputsDir', () => {
  it.skipIf(!hasUid)('makes one 0700 folder for the user and reuses it', () => {
    const parent = makeParent();
    const dir = openOutputsDir(parent);
    expect(dir).toBe(join(parent, `mia-outputs-${process.getuid!()}`));
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(openOutputsDir(parent)).toBe(dir);
  });

  it.skipIf(!hasUid)('does not use a folder of that name that others may enter', () => {
    const parent = makeParent();
    const shared = join(parent, `mia-outputs-${process.getuid!()}`);
    mkdirSync(shared);
    chmodSync(shared, 0o755);
    const dir = openOutputsDir(parent);
    expect(dir).not.toBe(shared);
    expect(dirname(dir)).toBe(parent);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it.skipIf(!hasUid)('does not follow a link planted under that name', () => {
    const parent = makeParent();
    const target = join(parent, 'elsewhere');
    mkdirSync(target, { mode: 0o700 });
    symlinkSync(target, join(parent, `mia-outputs-${process.getuid!()}`));
    const dir = openOutputsDir(parent);
    expect(dir).not.toBe(join(parent, `mia-outputs-${process.getuid!()}`));
    expect(dir).not.toBe(target);
    expect(statSync(dir).isDirectory()).toBe(true);
  });
});
