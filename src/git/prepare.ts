// Preparing what a step checks or lands: a commit, or the merge of a branch, in a worktree of its own.

import type { SimpleGit } from 'simple-git';
import { MiaError } from '../errors.js';
import { isGitRepository, openGit } from '../github/git.js';
import { commitMerge, type LocalMergeMethod } from './merge-commit.js';
import { checkBranchName, isAncestor, readCommit, requireBranch } from './refs.js';
import { addWorktree, type Worktree, type WorktreeOwner } from './worktrees.js';

/** A repository opened at its top level. */
export interface Repository {
  git: SimpleGit;
  root: string;
}

/** The merge of `branch` into `into`, as the branches are now. */
export interface MergeSpec {
  branch: string;
  into: string;
  method: LocalMergeMethod;
  /** `<run-id>/<step-id>`, recorded in the commit message. */
  tag: string;
}

/** A checkout in a worktree of its own, and what it holds. */
export interface PreparedCheckout {
  worktree: Worktree;
  /** The commit checked out: the merge commit, or the commit asked for. */
  sha: string;
}

/** The merge's commits: `base` (into), `head` (branch), and whether head was in base already. */
export interface MergeCommits {
  base: string;
  head: string;
  alreadyMerged: boolean;
}

/** Opens the git repository holding `cwd` at its top level (MIA_MERGE_NOT_A_REPOSITORY if none). */
export async function openRepository(
  cwd: string,
  env: Record<string, string | undefined>,
): Promise<Repository> {
  const git = await openGit(cwd, env);
  if (!(await isGitRepository(git))) {
    throw new MiaError('MIA_MERGE_NOT_A_REPOSITORY', `${cwd} is not in a git repository.`, {
      hint: 'Run the workflow in a git repository (or set `cwd`), or leave out `branch`/`ref`.',
      isRetriable: false,
    });
  }
  return { git, root: (await git.revparse(['--show-toplevel'])).trim() };
}

/** Checks both names and reads both branches' commits; `branch` may not be `into`. */
export async function readMergeCommits(git: SimpleGit, spec: MergeSpec): Promise<MergeCommits> {
  await checkBranchName(git, spec.branch, 'branch');
  await checkBranchName(git, spec.into, 'into');
  if (spec.branch === spec.into) {
    throw new MiaError(
      'MIA_MERGE_SAME_BRANCH',
      `Cannot merge branch "${spec.branch}" into itself.`,
      {
        hint: `Set \`branch:\` to the branch to merge into "${spec.into}", or check that branch out first.`,
        isRetriable: false,
      },
    );
  }
  const head = await requireBranch(git, spec.branch, 'branch');
  const base = await requireBranch(git, spec.into, 'into');
  return { base, head, alreadyMerged: await isAncestor(git, head, base) };
}

/**
 * Checks `into`'s commit out in a worktree of its own and commits the merge of `branch` there
 * (nothing to commit when the branch is merged already). The worktree is removed on failure.
 */
export async function prepareMerge(
  repo: Repository,
  spec: MergeSpec,
  commits: MergeCommits,
  options: { owner: WorktreeOwner; env: Record<string, string | undefined> },
): Promise<PreparedCheckout> {
  const worktree = await addWorktree(repo.git, {
    repoRoot: repo.root,
    owner: options.owner,
    commit: commits.base,
    env: options.env,
  });
  if (commits.alreadyMerged) return { worktree, sha: commits.base };
  try {
    const there = await openGit(worktree.path, options.env);
    const verb = spec.method === 'squash' ? 'Squash' : 'Merge';
    const sha = await commitMerge(there, {
      head: commits.head,
      branch: spec.branch,
      into: spec.into,
      method: spec.method,
      message: `${verb} branch '${spec.branch}' into ${spec.into} (mia: ${spec.tag})`,
    });
    return { worktree, sha: sha ?? commits.base };
  } catch (error) {
    await worktree.remove();
    throw error;
  }
}

/** Checks the commit `ref` names out in a worktree of its own (MIA_CHECKOUT_NO_SUCH_REF if none). */
export async function prepareCommit(
  repo: Repository,
  ref: string,
  options: { owner: WorktreeOwner; env: Record<string, string | undefined> },
): Promise<PreparedCheckout> {
  const sha = await readCommit(repo.git, ref);
  if (sha === undefined) {
    throw new MiaError(
      'MIA_CHECKOUT_NO_SUCH_REF',
      `ref "${ref}" names no commit in ${repo.root}.`,
      {
        hint: 'Set `ref:` to a branch, tag or commit of the repository (e.g. main, v1.2.0, HEAD).',
        isRetriable: false,
      },
    );
  }
  const worktree = await addWorktree(repo.git, {
    repoRoot: repo.root,
    owner: options.owner,
    commit: sha,
    env: options.env,
  });
  return { worktree, sha };
}
