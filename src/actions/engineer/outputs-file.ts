// The MIA_OUTPUT file: a step's command writes `key=value` lines (or `key<<EOF` blocks) to it.

import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]*$/;

let outputsDir: string | undefined;

/**
 * A fresh path for a step's output file, in a folder of this process's own (mode 0700): no other
 * user can read it or plant a link there, and looking a name up in it is cheap, unlike in a
 * crowded shared temp folder. The folder goes when the process exits.
 */
export function createOutputsPath(): string {
  outputsDir ??= createOutputsDir();
  return join(outputsDir, randomUUID());
}

function createOutputsDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mia-outputs-'));
  process.once('exit', () => {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Leaving a temp folder behind must not change how the process exits.
    }
  });
  return dir;
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
