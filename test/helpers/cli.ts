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
  const result = await startMia(args, options);
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
  return startNode([MIA_BIN, ...args], options);
}

/** The test-only entry that kills mia after its Nth durable event (see crash-entry.mjs). */
const CRASH_ENTRY = join(PACKAGE_ROOT, 'test/helpers/crash-entry.mjs');

/** Starts `mia <args>` so that it SIGKILLs itself right after its Nth durable event is fsynced. */
export function startCrashingMia(
  args: string[],
  afterDurableWrites: number,
  options: { cwd: string; env?: Record<string, string> },
): ResultPromise<{ reject: false; stdin: 'ignore' }> {
  return startNode([CRASH_ENTRY, String(afterDurableWrites), ...args], options);
}

function startNode(
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): ResultPromise<{ reject: false; stdin: 'ignore' }> {
  return execa(process.execPath, args, {
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
