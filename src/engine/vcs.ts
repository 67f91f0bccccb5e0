// Reads a git repository's HEAD commit straight from `.git`, cheaply enough to do around every step.

import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

const SHA = /^[0-9a-f]{40,64}$/;

/** Finds the git directory of `dir` (or of a parent), following a worktree's `gitdir:` file. */
export async function findGitDir(dir: string): Promise<string | undefined> {
  for (let current = resolve(dir); ; current = dirname(current)) {
    const candidate = join(current, '.git');
    try {
      const info = await stat(candidate);
      if (info.isDirectory()) return candidate;
      const pointer = /^gitdir:\s*(.+)$/m.exec(await readFile(candidate, 'utf8'));
      if (pointer?.[1]) return resolve(current, pointer[1].trim());
    } catch {
      // Not here; look in the parent.
    }
    if (dirname(current) === current) return undefined;
  }
}

/** The commit HEAD points at, or undefined (no repository, or no commit yet). */
export async function readHeadCommit(gitDir: string): Promise<string | undefined> {
  try {
    const head = (await readFile(join(gitDir, 'HEAD'), 'utf8')).trim();
    if (SHA.test(head)) return head;
    const ref = /^ref:\s*(\S+)$/.exec(head)?.[1];
    if (!ref) return undefined;
    return await readRef(gitDir, ref);
  } catch {
    return undefined;
  }
}

async function readRef(gitDir: string, ref: string): Promise<string | undefined> {
  // Linked worktrees keep shared refs in the common directory.
  const dirs = [gitDir];
  try {
    dirs.push(resolve(gitDir, (await readFile(join(gitDir, 'commondir'), 'utf8')).trim()));
  } catch {
    // Not a linked worktree.
  }
  for (const dir of dirs) {
    try {
      const sha = (await readFile(join(dir, ref), 'utf8')).trim();
      if (SHA.test(sha)) return sha;
    } catch {
      // Maybe packed.
    }
    try {
      for (const line of (await readFile(join(dir, 'packed-refs'), 'utf8')).split('\n')) {
        const [sha, name] = line.split(' ');
        if (name === ref && sha && SHA.test(sha)) return sha;
      }
    } catch {
      // No packed refs.
    }
  }
  return undefined;
}
