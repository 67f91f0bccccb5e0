// Merging one local branch into another with simple-git, leaving the repository as it was on failure.

import type { SimpleGit } from 'simple-git';
import { MiaError } from '../../errors.js';
import { isGitRepository, openGit, readCurrentBranch } from '../../github/git.js';
import {
  abortMerge,
  checkBranchName,
  readGitMessage,
  refuseDirtyTree,
  requireBranch,
  verifyRestored,
} from './local-git.js';

/** What a local merge needs. */
export interface LocalMerge {
  cwd: string;
  env: Record<string, string | undefined>;
  /** The branch to merge; the current branch when undefined. */
  branch: string | undefined;
  into: string;
  method: 'merge' | 'squash' | 'rebase';
  /** `<run-id>/<step-id>`, recorded in the commit message. */
  tag: string;
  signal: AbortSignal;
}

/** The outputs of a local merge. */
export interface LocalMergeResult {
  mode: 'local';
  branch: string;
  into: string;
  sha: string;
  merged: true;
  alreadyMerged: boolean;
}

/**
 * Merges `branch` into `into` (`--no-ff`, or `--squash` and a commit), then checks the original
 * branch out again. A branch already merged is reported as such (a resumed run merges once).
 * On a conflict the merge is aborted and MIA_MERGE_CONFLICT names the conflicting files.
 */
export async function mergeLocally(options: LocalMerge): Promise<LocalMergeResult> {
  const { into, method } = options;
  if (method === 'rebase') {
    throw new MiaError(
      'MIA_MERGE_METHOD_UNSUPPORTED',
      'method "rebase" is not supported in local mode.',
      {
        hint: 'Use `method: merge` or `method: squash` locally, or `mode: github` to rebase-merge a pull request.',
        isRetriable: false,
      },
    );
  }
  const git = await openGit(options.cwd, options.env);
  if (!(await isGitRepository(git))) {
    throw new MiaError('MIA_MERGE_NOT_A_REPOSITORY', `${options.cwd} is not in a git repository.`, {
      hint: 'Run the step in a git repository (set `cwd`), or merge on GitHub with `mode: github`.',
      isRetriable: false,
    });
  }
  const current = await readCurrentBranch(git);
  const branch = options.branch ?? current;
  if (branch === undefined) {
    throw new MiaError(
      'MIA_MERGE_NO_BRANCH',
      'No branch to merge: `branch` is not set and HEAD is detached.',
      {
        hint: 'Set `branch:` on the step, or check out the branch to merge.',
        isRetriable: false,
      },
    );
  }
  await checkBranchName(git, branch, 'branch');
  await checkBranchName(git, into, 'into');
  if (branch === into) {
    throw new MiaError('MIA_MERGE_SAME_BRANCH', `Cannot merge branch "${branch}" into itself.`, {
      hint: `Set \`branch:\` to the branch to merge into "${into}", or check it out first.`,
      isRetriable: false,
    });
  }
  await requireBranch(git, branch, 'branch');
  await requireBranch(git, into, 'into');
  await refuseDirtyTree(git);
  if (options.signal.aborted) throw options.signal.reason;

  const head = (await git.revparse(['HEAD'])).trim();
  const intoBefore = (await git.revparse([`refs/heads/${into}`])).trim();
  const message = `${method === 'squash' ? 'Squash' : 'Merge'} branch '${branch}' into ${into} (mia: ${options.tag})`;
  const outcome: MergeOutcome = await switchTo(git, into, current)
    .then(() => runMerge(git, branch, method, message))
    .then(
      (merged) => ({ ...merged, failure: undefined }),
      (failure: unknown) => ({ failure }),
    );
  // Always go back where the run found the repository, then make sure nothing was left behind.
  if (current !== into) {
    await switchBack(git, current, head).catch((error: unknown) => {
      const after = outcome.failure instanceof Error ? ` after: ${outcome.failure.message}` : '';
      throw new MiaError(
        'MIA_MERGE_NOT_RESTORED',
        `Could not check out "${current ?? head}" again${after}. git said: ${readGitMessage(error)}`,
        {
          hint: `Run \`git status\` in ${options.cwd} and put the repository back by hand.`,
          isRetriable: false,
        },
      );
    });
  }
  if (!('sha' in outcome)) {
    await verifyRestored(git, { head, into, intoSha: intoBefore });
    throw outcome.failure;
  }
  return {
    mode: 'local',
    branch,
    into,
    sha: outcome.sha,
    merged: true,
    alreadyMerged: outcome.alreadyMerged,
  };
}

type MergeOutcome =
  | { sha: string; alreadyMerged: boolean; failure: undefined }
  | { failure: unknown };

async function switchTo(git: SimpleGit, into: string, current: string | undefined): Promise<void> {
  if (current === into) return;
  await git.raw(['checkout', '--quiet', into, '--']).catch((error: unknown) => {
    throw new MiaError(
      'MIA_MERGE_FAILED',
      `git could not check out "${into}": ${readGitMessage(error)}`,
      {
        hint: 'Read git’s reason above (is the branch checked out in another worktree?), fix it, then resume.',
        isRetriable: false,
      },
    );
  });
}

/** Checks out the branch the run found, or the commit when HEAD was detached. */
async function switchBack(git: SimpleGit, branch: string | undefined, head: string): Promise<void> {
  await git.raw(
    branch === undefined
      ? ['checkout', '--quiet', '--detach', head]
      : ['checkout', '--quiet', branch, '--'],
  );
}

async function runMerge(
  git: SimpleGit,
  branch: string,
  method: 'merge' | 'squash',
  message: string,
): Promise<{ sha: string; alreadyMerged: boolean }> {
  const isMerged = await git.raw(['merge-base', '--is-ancestor', branch, 'HEAD']).then(
    () => true,
    () => false,
  );
  if (isMerged) return { sha: (await git.revparse(['HEAD'])).trim(), alreadyMerged: true };
  try {
    if (method === 'merge') {
      await git.raw(['merge', '--no-ff', '--no-edit', '-m', message, '--', branch]);
    } else {
      await git.raw(['merge', '--squash', '--', branch]);
      const staged = await git.raw(['diff', '--cached', '--name-only']);
      // A squash that changes nothing: its content is in already (a resumed squash merge).
      if (staged.trim() === '')
        return { sha: (await git.revparse(['HEAD'])).trim(), alreadyMerged: true };
      await git.raw(['commit', '--quiet', '-m', message]);
    }
  } catch (error) {
    throw await abortMerge(git, branch, error);
  }
  return { sha: (await git.revparse(['HEAD'])).trim(), alreadyMerged: false };
}
