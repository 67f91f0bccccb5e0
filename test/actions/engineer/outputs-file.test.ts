import { existsSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createOutputsPath,
  parseOutputs,
  readOutputsFile,
} from '../../../src/actions/engineer/outputs-file.js';

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

  it('ignores lines that are not key=value and keys that are not names', () => {
    expect(parseOutputs('no equals\n=empty\n1bad=x\nok=a=b\r\n')).toEqual({ ok: 'a=b' });
  });
});
