// Uncommitted changes in a checkout: what would make moving its branch unsafe.

import type { SimpleGit } from 'simple-git';

/** Tracked files with changes (staged, modified, deleted, conflicted); untracked files are left out. */
export async function listChangedFiles(git: SimpleGit): Promise<string[]> {
  const status = await git.status(['--untracked-files=no']);
  return status.files.map((file) => file.path);
}

/** `a, b, … (30 in all)`: at most 20 names. */
export function formatFileList(files: readonly string[]): string {
  const shown = files.slice(0, 20).join(', ');
  return files.length > 20 ? `${shown}, … (${files.length} in all)` : shown;
}
