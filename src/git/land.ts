// Landing: `into` moves to exactly the commit that was prepared (and tested), or not at all.

import type { SimpleGit } from 'simple-git';
import { MiaError } from '../errors.js';
import { openGit } from '../github/git.js';
import { formatFileList, listChangedFiles } from './changes.js';
import { isAncestor, readCommit, readGitMessage, requireBranch, shortSha } from './refs.js';
import { findCheckout } from './worktrees.js';

/** How `into` reached the commit. */
export type Landing = 'fast-forward' | 'ref' | 'already';

/** What landing needs. */
export interface LandRequest {
  into: string;
  /** The commit to put on `into`: its first parent must be where `into` is now. */
  sha: string;
  env: Record<string, string | undefined>;
  /** How the hint names what to do when `into` moved (re-test, or merge again). */
  retry: string;
}

/** What landing did. */
export interface LandResult {
  landing: Landing;
  /** Where `into` is checked out, when it was fast-forwarded there. */
  checkout: string | undefined;
}

/**
 * Moves `into` to `sha`, which must be built on `into` as it is now (its first parent):
 * fast-forwarded in the checkout where `into` is checked out (refused when that checkout has
 * uncommitted changes), else updated as a ref with a compare-and-swap. `sha` already in `into`
 * lands as `already` (a resumed run lands once). `into` elsewhere is MIA_MERGE_INTO_MOVED.
 */
export async function landCommit(git: SimpleGit, request: LandRequest): Promise<LandResult> {
  const { into, sha } = request;
  const current = await requireBranch(git, into, 'into');
  if ((await readCommit(git, sha)) !== sha) {
    throw new MiaError(
      'MIA_MERGE_TESTED_GONE',
      `The commit to land, ${sha}, is not in the repository.`,
      {
        hint: `It was made in a worktree that is gone and git pruned it: ${request.retry}`,
        isRetriable: false,
      },
    );
  }
  if (await isAncestor(git, sha, current)) return { landing: 'already', checkout: undefined };
  const parent = await readCommit(git, `${sha}^1`);
  if (parent !== current) throw moved(request, current, parent);
  const checkout = await findCheckout(git, into);
  if (checkout === undefined) {
    await git
      .raw([
        'update-ref',
        '-m',
        `mia: land ${shortSha(sha)} on ${into}`,
        `refs/heads/${into}`,
        sha,
        current,
      ])
      .catch(async () => {
        throw moved(request, (await readCommit(git, `refs/heads/${into}`)) ?? 'nothing', parent);
      });
    return { landing: 'ref', checkout: undefined };
  }
  const there = await openGit(checkout, request.env);
  const changed = await listChangedFiles(there);
  if (changed.length > 0) {
    throw new MiaError(
      'MIA_MERGE_DIRTY',
      `${into} is checked out in ${checkout} with uncommitted changes (${formatFileList(changed)}); landing would move it under them.`,
      { hint: 'Commit or stash them (git stash), then resume the run.', isRetriable: false },
    );
  }
  await there.raw(['merge', '--ff-only', '--quiet', sha]).catch((error: unknown) => {
    throw new MiaError(
      'MIA_MERGE_FAILED',
      `git could not fast-forward ${into} in ${checkout} to ${shortSha(sha)}: ${readGitMessage(error)}`,
      {
        hint: 'Read git’s reason above (an untracked file in the way?), fix it, then resume the run.',
        isRetriable: false,
      },
    );
  });
  const after = await readCommit(git, `refs/heads/${into}`);
  if (after !== sha) throw moved(request, after ?? 'nothing', parent);
  return { landing: 'fast-forward', checkout };
}

function moved(request: LandRequest, now: string, base: string | undefined): MiaError {
  const built = base === undefined ? 'nothing' : shortSha(base);
  return new MiaError(
    'MIA_MERGE_INTO_MOVED',
    `${request.into} moved: it is at ${shortSha(now)}, and ${shortSha(request.sha)} was built on ${built}. Landing it would put a commit on ${request.into} that was never checked; nothing was changed.`,
    { hint: request.retry, isRetriable: false },
  );
}
