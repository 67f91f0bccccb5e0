// Puts an entry's files back in the workspace, byte for byte with their modes. Every file is
// first copied beside its place and checked against its hash; only when all are whole are they
// renamed into place, so a damaged entry restores nothing (the step runs instead).

import { randomUUID } from 'node:crypto';
import { chmod, lstat, mkdir, rename, rm, symlink } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { type CacheEntry, getBlobPath } from './entry-store.js';
import { copyHashed, isInside, isReallyInside } from './files.js';

/** Restores every file of `entry`; resolves to why it could not (nothing changed then), or undefined. */
export async function restoreEntry(
  workspace: string,
  entry: CacheEntry,
): Promise<string | undefined> {
  const staged: Array<{ temp: string; target: string }> = [];
  try {
    for (const file of entry.files) {
      const target = resolve(workspace, file.path);
      const folder = dirname(target);
      if (!isInside(workspace, target)) return `${file.path} would leave the workspace`;
      // Checked before making any folder: nothing is made through a link that leads out.
      if (!(await isReallyInside(workspace, await findExisting(folder)))) {
        return `${file.path} is under a link that leads out of the workspace`;
      }
      await mkdir(folder, { recursive: true });
      const temp = `${target}.mia-restore-${randomUUID()}`;
      staged.push({ temp, target });
      if (file.kind === 'link') {
        await symlink(file.target, temp);
        continue;
      }
      const blob = getBlobPath(workspace, entry.fingerprint, file.blob);
      const copied = await copyHashed(blob, temp, file.size);
      if (copied.sha256 !== file.sha256 || copied.size !== file.size) {
        return `its cache entry's copy of ${file.path} is damaged`;
      }
      await chmod(temp, file.mode);
    }
    // All whole: now each replaces what is there (rename: a reader sees the old file or the new).
    for (const { temp, target } of staged.splice(0)) await rename(temp, target);
    return undefined;
  } catch (error) {
    return `its cache entry could not be restored (${(error as Error).message})`;
  } finally {
    await Promise.all(staged.map(({ temp }) => rm(temp, { force: true })));
  }
}

// The folder itself, or its nearest ancestor that exists.
async function findExisting(folder: string): Promise<string> {
  let current = folder;
  while (
    !(await lstat(current).then(
      () => true,
      () => false,
    ))
  ) {
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  return current;
}

/** Whether every blob of `entry` is whole (its hash read back), without restoring anything. */
export async function verifyEntry(workspace: string, entry: CacheEntry): Promise<boolean> {
  for (const file of entry.files) {
    if (file.kind !== 'file') continue;
    const read = await copyHashed(
      getBlobPath(workspace, entry.fingerprint, file.blob),
      undefined,
    ).catch(() => undefined);
    if (read?.sha256 !== file.sha256) return false;
  }
  return true;
}
