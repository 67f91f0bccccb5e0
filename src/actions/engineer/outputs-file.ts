// The MIA_OUTPUT file: a step's command writes `key=value` lines (or `key<<EOF` blocks) to it.

import { randomUUID } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MiaError } from '../../errors.js';

const KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]*$/;

let outputsDir: string | undefined;

/**
 * A fresh path for a step's output file, in a folder only this user can enter (mode 0700): no
 * other user can read it or plant a link there, and looking a name up in it is cheap, unlike in
 * a crowded shared temp folder.
 */
export function createOutputsPath(): string {
  // Checked on each use: a folder removed meanwhile (a temp cleaner) could be made by anyone.
  if (outputsDir === undefined || !isOwnPrivateDir(outputsDir)) {
    try {
      outputsDir = openOutputsDir(tmpdir());
    } catch (error) {
      throw new MiaError(
        'MIA_OUTPUTS_DIR',
        `No folder for step outputs could be made in ${tmpdir()}: ${(error as Error).message}`,
        { hint: 'Point TMPDIR at a folder this user can write to.' },
      );
    }
  }
  return join(outputsDir, randomUUID());
}

/** True for a folder (not a link) of this user that only this user can enter. */
function isOwnPrivateDir(path: string): boolean {
  const stat = lstatSync(path, { throwIfNoEntry: false });
  if (!stat?.isDirectory()) return false;
  const uid = process.getuid?.();
  return (uid === undefined || stat.uid === uid) && (stat.mode & 0o777) === 0o700;
}

/**
 * The folder for output files in `parent`: `mia-outputs-<uid>`, made once and shared by the
 * user's processes so that nothing piles up when one is killed. When that name is taken by
 * anything but the user's own 0700 folder, a fresh folder of this process is used instead.
 */
export function openOutputsDir(parent: string): string {
  const uid = process.getuid?.();
  if (uid !== undefined) {
    const shared = join(parent, `mia-outputs-${uid}`);
    try {
      mkdirSync(shared, { mode: 0o700 });
    } catch {
      // Already there (checked below), or not creatable: a private folder will do.
    }
    if (isOwnPrivateDir(shared)) return shared;
  }
  const own = mkdtempSync(join(parent, 'mia-outputs-'));
  process.once('exit', () => {
    try {
      rmSync(own, { recursive: true, force: true });
    } catch {
      // Leaving a temp folder behind must not change how the process exits.
    }
  });
  return own;
}

/** Reads and removes an output file; a missing file means no outputs. */
export async function readOutputsFile(path: string): Promise<Record<string, string>> {
  // Most steps write no outputs: a synchronous check spares them a round trip to the thread pool.
  if (!existsSync(path)) return {};
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return {};
  }
  await rm(path, { force: true });
  return parseOutputs(text);
}

/** Parses `key=value` lines and `key<<DELIM` … `DELIM` blocks. */
export function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = Object.create(null);
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc && KEY_PATTERN.test(heredoc[1] ?? '')) {
      const delimiter = heredoc[2] ?? '';
      const body: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) body.push(lines[i] ?? '');
      outputs[heredoc[1] ?? ''] = body.join('\n');
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    if (KEY_PATTERN.test(key)) outputs[key] = line.slice(eq + 1);
  }
  return { ...outputs };
}
