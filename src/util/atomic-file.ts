// Replaces a file whole: readers see the old content or the new, never part of either.

import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `text` to `path` through a hidden temporary file in the same folder, then renames it over
 * `path` (one atomic step). A failure, or the process dying before the rename, leaves the previous
 * file as it was; a failed write removes its temporary file. Makes the folder if needed.
 */
export async function writeFileAtomically(path: string, text: string): Promise<void> {
  const folder = dirname(path);
  await mkdir(folder, { recursive: true });
  // Hidden and not ending in .json: tools listing `*.json` in the folder never pick it up.
  const temp = join(folder, `.${basename(path)}.${randomUUID()}.tmp`);
  try {
    await writeFile(temp, text, { flag: 'wx' });
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
}
