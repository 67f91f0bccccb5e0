// Making the commit a merge would put on `into`, inside a worktree of its own, never in the user's checkout.

import type { SimpleGit } from 'simple-git';
import { MiaError } from '../errors.js';
import { readGitMessage } from './refs.js';

/** How a branch joins `into`: a merge commit, or its changes squashed into one commit. */
export type LocalMergeMethod = 'merge' | 'squash';

/** What to merge, in a worktree checked out (detached) at `into`'s commit. */
export interface MergeCommitRequest {
  /** The branch's commit. */
  head: string;
  branch: string;
  into: string;
  method: LocalMergeMethod;
  message: string;
}

/**
 * Commits the merge of `head` in the worktree `git` works in (`--no-ff`, or `--squash` and a
 * commit) and returns the new commit. A conflict is MIA_MERGE_CONFLICT naming the files; any other
 * refusal is MIA_MERGE_FAILED with git's words. Returns undefined when a squash changes nothing
 * (its content is in `into` already).
 */
export async function commitMerge(
  git: SimpleGit,
  request: MergeCommitRequest,
): Promise<string | undefined> {
  try {
    if (request.method === 'merge') {
      await git.raw(['merge', '--no-ff', '--no-edit', '-m', request.message, request.head]);
    } else {
      await git.raw(['merge', '--squash', request.head]);
      const staged = await git.raw(['diff', '--cached', '--name-only']);
      if (staged.trim() === '') return undefined;
      await git.raw(['commit', '--quiet', '--no-edit', '-m', request.message]);
    }
  } catch (error) {
    throw await describeFailure(git, request, error);
  }
  return (await git.revparse(['HEAD'])).trim();
}

async function describeFailure(
  git: SimpleGit,
  request: MergeCommitRequest,
  error: unknown,
): Promise<MiaError> {
  const conflicts = (await git.raw(['diff', '--name-only', '--diff-filter=U']).catch(() => ''))
    .split('\n')
    .filter(Boolean);
  const what = `Merging "${request.branch}" into ${request.into}`;
  if (conflicts.length > 0) {
    return new MiaError(
      'MIA_MERGE_CONFLICT',
      `${what} conflicts in ${conflicts.length} file${conflicts.length === 1 ? '' : 's'}: ${conflicts.join(', ')}. Nothing was merged; your checkout was not touched.`,
      {
        hint: `Merge ${request.into} into "${request.branch}" (or rebase it), resolve the files above, commit, then resume the run.`,
        isRetriable: false,
      },
    );
  }
  return new MiaError('MIA_MERGE_FAILED', `${what} failed: ${readGitMessage(error)}`, {
    hint: 'Read git’s reason above (no git identity: set `git config --global user.name …` and `user.email …`; a hook that failed), fix it, then resume.',
    isRetriable: false,
  });
}
