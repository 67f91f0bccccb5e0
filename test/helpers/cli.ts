// Runs the real `mia` binary (the built one) as a child process, for integration tests.

import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';

export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const MIA_BIN = join(PACKAGE_ROOT, 'bin/mia.js');

export interface MiaResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs `mia <args>` in `cwd` and waits for it; never throws on a non-zero exit. */
export async function runMia(
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<MiaResult> {
  const result = await execa(process.execPath, [MIA_BIN, ...args], {
    cwd: options.cwd,
    env: { NO_COLOR: '1', ...options.env },
    reject: false,
    stdin: 'ignore',
  });
  return {
    exitCode: result.exitCode ?? -1,
    stdout: String(result.stdout),
    stderr: String(result.stderr),
  };
}

/** Starts `mia <args>` without waiting, for tests that signal or kill it. */
export function startMia(
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): ResultPromise<{ reject: false; stdin: 'ignore' }> {
  return execa(process.execPath, [MIA_BIN, ...args], {
    cwd: options.cwd,
    env: { NO_COLOR: '1', ...options.env },
    reject: false,
    stdin: 'ignore',
  });
}

/** A fresh workspace directory with the given workflow files in `.mia/workflows/`. */
export async function createWorkspace(workflows: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mia-ws-'));
  await mkdir(join(dir, '.mia/workflows'), { recursive: true });
  for (const [name, text] of Object.entries(workflows)) {
    await writeFile(join(dir, '.mia/workflows', `${name}.yaml`), text);
  }
  return dir;
}
