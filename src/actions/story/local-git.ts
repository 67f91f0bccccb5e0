// The git steps around a local merge: checks before it (names, branches, a clean tree), undo and verification after.

import type { SimpleGit } from 'simple-git';
import { MiaError } from '../../errors.js';

/** git's own words from a failed command, trimmed to its last lines. */
export function readGitMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  return lines.slice(-4).join(' ') || 'no message';
}

/**
 * Refuses a branch name git would not accept (`git check-ref-format --branch`), one that starts
 * with `-` (it would be read as an option, like `--upload-pack=…`) and `@{-1}`-style shorthands.
 */
export async function checkBranchName(git: SimpleGit, name: string, field: string): Promise<void> {
  const isValid =
    name !== '' &&
    !name.startsWith('-') &&
    (await git.raw(['check-ref-format', '--branch', name]).then(
      (normalized) => normalized.trim() === name,
      () => false,
    ));
  if (isValid) return;
  throw new MiaError(
    'MIA_MERGE_BAD_BRANCH',
    `${field} ${JSON.stringify(name)} is not a valid branch name.`,
    {
      hint: `Set \`${field}:\` to a branch name like feature/login (see \`git check-ref-format --branch\`).`,
      isRetriable: false,
    },
  );
}

/** Refuses a branch that does not exist locally. */
export async function requireBranch(git: SimpleGit, name: string, field: string): Promise<void> {
  const exists = await git.raw(['rev-parse', '--quiet', '--verify', `refs/heads/${name}`]).then(
    () => true,
    () => false,
  );
  if (exists) return;
  throw new MiaError('MIA_MERGE_NO_SUCH_BRANCH', `${field} "${name}" is not a local branch.`, {
    hint: `Create it, or fetch it: git fetch origin ${name}:${name}`,
    isRetriable: false,
  });
}

/** Tracked files with changes (staged, modified, deleted, conflicted); untracked files are left alone. */
export async function listChangedFiles(git: SimpleGit): Promise<string[]> {
  const status = await git.status(['--untracked-files=no']);
  return status.files.map((file) => file.path);
}

/**
 * Refuses to merge over uncommitted changes (MIA_MERGE_DIRTY, listing them). Untracked files do
 * not count: git never overwrites them, and the run's own files under `.mia/` are usually untracked.
 */
export async function refuseDirtyTree(git: SimpleGit): Promise<void> {
  const changed = await listChangedFiles(git);
  if (changed.length === 0) return;
  const shown =
    changed.slice(0, 20).join(', ') + (changed.length > 20 ? `, … (${changed.length} in all)` : '');
  throw new MiaError('MIA_MERGE_DIRTY', `The working tree has uncommitted changes: ${shown}.`, {
    hint: 'Commit or stash them (git stash), then resume the run.',
    isRetriable: false,
  });
}

/** How the repository looked before the merge. */
export interface RepositorySnapshot {
  head: string;
  into: string;
  intoSha: string;
}

/** After a failed merge: the same HEAD, `into` where it was and no changed files, or MIA_MERGE_NOT_RESTORED. */
export async function verifyRestored(git: SimpleGit, before: RepositorySnapshot): Promise<void> {
  const head = (await git.revparse(['HEAD'])).trim();
  const intoSha = (await git.revparse([`refs/heads/${before.into}`])).trim();
  const changed = await listChangedFiles(git);
  if (head === before.head && intoSha === before.intoSha && changed.length === 0) return;
  throw new MiaError(
    'MIA_MERGE_NOT_RESTORED',
    `The merge failed and the repository is not as before (HEAD ${head}, was ${before.head}; ${before.into} ${intoSha}, was ${before.intoSha}; changed: ${changed.join(', ') || 'none'}).`,
    {
      hint: 'Run `git status` and put the repository back by hand before resuming.',
      isRetriable: false,
    },
  );
}

/** Undoes a failed merge; returns the error to throw (MIA_MERGE_CONFLICT when files conflict). */
export async function abortMerge(
  git: SimpleGit,
  branch: string,
  error: unknown,
): Promise<MiaError> {
  const conflicts = (await git.raw(['diff', '--name-only', '--diff-filter=U']).catch(() => ''))
    .split('\n')
    .filter(Boolean);
  const inMerge = await git.raw(['rev-parse', '--quiet', '--verify', 'MERGE_HEAD']).then(
    () => true,
    () => false,
  );
  // `--squash` leaves no MERGE_HEAD, so `git merge --abort` would refuse; `reset --merge` is what it runs.
  await git.raw(inMerge ? ['merge', '--abort'] : ['reset', '--quiet', '--merge']);
  if (conflicts.length > 0) {
    return new MiaError(
      'MIA_MERGE_CONFLICT',
      `Merging "${branch}" conflicts in ${conflicts.length} file${conflicts.length === 1 ? '' : 's'}: ${conflicts.join(', ')}. The merge was aborted; the repository is as before.`,
      {
        hint: `Merge "${branch}" by hand (or rebase it), resolve the files above, commit, then resume the run.`,
        isRetriable: false,
      },
    );
  }
  return new MiaError(
    'MIA_MERGE_FAILED',
    `git could not merge "${branch}": ${readGitMessage(error)}`,
    {
      hint: 'Read git’s reason above (an untracked file in the way, a hook that failed), fix it, then resume.',
      isRetriable: false,
    },
  );
}
