// Names and commits in a local repository: branch names git accepts, branches that exist, ancestry.

import type { SimpleGit } from 'simple-git';
import { MiaError } from '../errors.js';

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

/** The commit a local branch points at; MIA_MERGE_NO_SUCH_BRANCH when there is no such branch. */
export async function requireBranch(git: SimpleGit, name: string, field: string): Promise<string> {
  const sha = await readCommit(git, `refs/heads/${name}`);
  if (sha !== undefined) return sha;
  throw new MiaError('MIA_MERGE_NO_SUCH_BRANCH', `${field} "${name}" is not a local branch.`, {
    hint: `Create it, or fetch it: git fetch origin ${name}:${name}`,
    isRetriable: false,
  });
}

/** The full id of the commit `rev` names, or undefined when it names none (or looks like an option). */
export async function readCommit(git: SimpleGit, rev: string): Promise<string | undefined> {
  if (rev === '' || rev.startsWith('-')) return undefined;
  const sha = await git.raw(['rev-parse', '--quiet', '--verify', `${rev}^{commit}`]).then(
    (out) => out.trim(),
    () => '',
  );
  return sha || undefined;
}

/** Whether commit `ancestor` is `descendant` or one of its ancestors. */
export async function isAncestor(
  git: SimpleGit,
  ancestor: string,
  descendant: string,
): Promise<boolean> {
  return git.raw(['merge-base', '--is-ancestor', ancestor, descendant]).then(
    () => true,
    () => false,
  );
}

/** The 7-character form of a commit id, for messages. */
export function shortSha(sha: string): string {
  return sha.slice(0, 7);
}
