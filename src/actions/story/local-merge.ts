// merge-pr without GitHub: lands a tested commit on `into`, or merges a branch into it, never touching the checkout's branch.

import type { SimpleGit } from 'simple-git';
import { MiaError } from '../../errors.js';
import { type Landing, landCommit } from '../../git/land.js';
import { openRepository, prepareMerge, readMergeCommits } from '../../git/prepare.js';
import { isAncestor, readCommit, shortSha } from '../../git/refs.js';
import { readCurrentBranch } from '../../github/git.js';

/** What a local merge needs. */
export interface LocalMerge {
  cwd: string;
  env: Record<string, string | undefined>;
  /** The branch to merge; the current branch when undefined. */
  branch: string | undefined;
  into: string;
  method: 'merge' | 'squash' | 'rebase';
  /** The tested commit to land (a `run-tests` step's `sha`); undefined: merge `branch` now. */
  sha: string | undefined;
  /** The branch's commit that was tested, when known: it must be in `sha`. */
  head: string | undefined;
  runId: string;
  stepId: string;
  log: (line: string) => void;
}

/** The outputs of a local merge. */
export interface LocalMergeResult {
  mode: 'local';
  branch: string;
  into: string;
  sha: string;
  merged: true;
  alreadyMerged: boolean;
  /** `fast-forward` (in the checkout of `into`), `ref` (into not checked out) or `already`. */
  landing: Landing;
  /** Whether the commit landed is one a step tested (`sha` was given). */
  tested: boolean;
}

/**
 * With `sha`: lands exactly that commit on `into` (see landCommit). Without: commits the merge
 * of `branch` into `into` in a worktree of its own, then lands it the same way. The user's
 * checkout keeps its branch; its files change only when it has `into` checked out.
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
  const repo = await openRepository(options.cwd, options.env);
  const current = await readCurrentBranch(repo.git);
  if (options.sha !== undefined) {
    return landTested(options, repo.git, options.branch ?? current ?? 'HEAD');
  }
  const branch = options.branch ?? current;
  if (branch === undefined) {
    throw new MiaError(
      'MIA_MERGE_NO_BRANCH',
      'No branch to merge: `branch` is not set and HEAD is detached.',
      { hint: 'Set `branch:` on the step, or check out the branch to merge.', isRetriable: false },
    );
  }
  if (options.branch === undefined && branch === into) {
    throw new MiaError(
      'MIA_MERGE_SAME_BRANCH',
      `merge-pr merges the current branch into ${into}, and the current branch is ${into}.`,
      {
        hint: `Check out the branch to merge (git switch <branch>) and run again, or set \`with.branch\`.`,
        isRetriable: false,
      },
    );
  }
  const tag = `${options.runId}/${options.stepId}`;
  const spec = { branch, into, method, tag };
  const commits = await readMergeCommits(repo.git, spec);
  let sha = commits.base;
  if (!commits.alreadyMerged) {
    const prepared = await prepareMerge(repo, spec, commits, {
      owner: { runId: options.runId, stepId: options.stepId },
      env: options.env,
    });
    sha = prepared.sha;
    const failure = await prepared.worktree.remove();
    if (failure) options.log(failure);
  }
  const retry = 'Resume the run: the merge is made again on the new commit.';
  const landed =
    sha === commits.base
      ? { landing: 'already' as const }
      : await landCommit(repo.git, { into, sha, env: options.env, retry });
  return result(branch, into, sha, landed.landing, false);
}

async function landTested(
  options: LocalMerge,
  git: SimpleGit,
  branch: string,
): Promise<LocalMergeResult> {
  const sha = options.sha ?? '';
  const full = /^[0-9a-f]{7,64}$/i.test(sha) ? await readCommit(git, sha) : undefined;
  if (full === undefined) {
    throw new MiaError(
      'MIA_MERGE_BAD_SHA',
      `sha ${JSON.stringify(sha)} is not a commit of this repository.`,
      {
        hint: 'Set `sha:` to the commit a test step checked, like `sha: ${{ steps.test.outputs.sha }}`.',
        isRetriable: false,
      },
    );
  }
  const isMergeCommit = (await readCommit(git, `${full}^2`)) !== undefined;
  // A squashed commit holds the branch's changes, not its commits: only a merge can be checked.
  if (isMergeCommit && options.head !== undefined && !(await isAncestor(git, options.head, full))) {
    throw new MiaError(
      'MIA_MERGE_HEAD_NOT_TESTED',
      `The tested commit ${shortSha(full)} does not contain ${branch}'s commit ${shortSha(options.head)}.`,
      { hint: 'Pass `sha` and `head` from the same test step.', isRetriable: false },
    );
  }
  if (options.method === 'squash' && isMergeCommit) {
    throw new MiaError(
      'MIA_MERGE_METHOD_MISMATCH',
      `method is squash, but the tested commit ${shortSha(full)} is a merge commit: squashing now would land a commit nobody tested.`,
      {
        hint: 'Set `method: squash` on the step that tested the merge too (its `branch`/`into`), so it tests the squashed commit.',
        isRetriable: false,
      },
    );
  }
  const tip = await readCommit(git, `refs/heads/${branch}`);
  if (options.head !== undefined && tip !== undefined && tip !== options.head) {
    options.log(
      `${branch} moved since it was tested (${shortSha(options.head)} → ${shortSha(tip)}): only the tested commits land.`,
    );
  }
  const retry = `Run the step that tested it again on the new ${options.into}: mia workflow resume ${options.runId} (it re-tests what moved), then it lands.`;
  const landed = await landCommit(git, { into: options.into, sha: full, env: options.env, retry });
  return result(branch, options.into, full, landed.landing, true);
}

function result(
  branch: string,
  into: string,
  sha: string,
  landing: Landing,
  tested: boolean,
): LocalMergeResult {
  return {
    mode: 'local',
    branch,
    into,
    sha,
    merged: true,
    alreadyMerged: landing === 'already',
    landing,
    tested,
  };
}
