// The `merge-pr` action: merges a GitHub pull request, or (in local mode) one branch into another.

import { MiaError } from '../../errors.js';
import { createGitHubClient, resolveGitHubMode } from '../../github/client.js';
import { getGitHubMessage, getGitHubStatus, toGitHubError } from '../../github/errors.js';
import { createLazyGit } from '../../github/git.js';
import { formatPullRequest, resolvePullNumber } from '../../github/pull-request.js';
import { resolveRepository } from '../../github/repository.js';
import { GITHUB_WITH_PROPERTIES } from '../../github/with-schema.js';
import { resolveStepCwd } from '../../util/workspace-path.js';
import { readShortSha, readText } from '../output-facts.js';
import type { ActionAdapter, ActionContext, OutputFact } from '../types.js';
import { type LocalMergeResult, mergeLocally } from './local-merge.js';

type MergeMethod = 'merge' | 'squash' | 'rebase';
const METHODS: readonly MergeMethod[] = ['merge', 'squash', 'rebase'];

/**
 * Merges the pull request (`pr`, or the open one of `branch`) on GitHub, once: an already merged
 * one is reported as done, and with `head` the merge is pinned to the tested head. In local mode
 * (no token, or `mode: local`) lands `sha` on `into`, or merges `branch` into `into`.
 */
export const mergePrAction: ActionAdapter = {
  name: 'merge-pr',
  universes: ['story'],
  description:
    'Merges a GitHub pull request (pinned to the tested head); without a token, lands the tested commit (or merges the branch) on `into` locally.',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      branch: {
        type: 'string',
        minLength: 1,
        description:
          'The branch to merge (its pull request on GitHub); by default the current branch.',
      },
      into: {
        type: 'string',
        minLength: 1,
        description: 'The branch to merge into (default main).',
      },
      method: {
        enum: [...METHODS],
        description: 'merge (default), squash or rebase (GitHub only).',
      },
      sha: {
        type: 'string',
        pattern: '^[0-9a-fA-F]{7,64}$',
        description:
          "Locally: the tested commit to land (a run-tests step's `sha`); `into` moves to exactly this commit, or not at all.",
      },
      head: {
        type: 'string',
        pattern: '^[0-9a-fA-F]{7,64}$',
        description:
          "The branch commit that was tested (a run-tests step's `head`): on GitHub the merge pins the pull request to it.",
      },
      cwd: { type: 'string', description: 'The git repository, relative to the workspace.' },
      ...GITHUB_WITH_PROPERTIES,
    },
  },
  async run(ctx) {
    const method = readMethod(ctx.with.method);
    const into = readOptionalString(ctx.with.into);
    const branch = readOptionalString(ctx.with.branch);
    const head = readOptionalString(ctx.with.head);
    const cwd = resolveStepCwd(ctx.workdir, readOptionalString(ctx.with.cwd));
    if (resolveGitHubMode(ctx.with.mode, ctx.env) === 'local') {
      const merged = await mergeLocally({
        cwd,
        env: ctx.env,
        branch,
        into: into ?? 'main',
        method,
        sha: readOptionalString(ctx.with.sha),
        head,
        runId: ctx.runId,
        stepId: ctx.stepId,
        log: (line) => ctx.log.info(line),
      });
      ctx.log.info(describeLanding(merged));
      return { outputs: { ...merged } };
    }
    try {
      return { outputs: await mergeOnGitHub(ctx, { cwd, method, into, branch, head }) };
    } catch (error) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      throw error;
    }
  },
  describeOutputs: describeMerge,
};

/** `feature into main landed as the tested commit a1b2c3d`, `PR #7 merged as …`, `… was already merged`. */
function describeMerge(outputs: Record<string, unknown>): OutputFact[] {
  const sha = readShortSha(outputs.sha);
  const branch = readText(outputs.branch);
  const into = readText(outputs.into);
  const pr = typeof outputs.pr === 'number' || typeof outputs.pr === 'string' ? outputs.pr : '';
  const what = branch && into ? `${branch} into ${into}` : pr ? `PR #${pr}` : '';
  let text: string | undefined;
  // A tested commit already on `into` may have landed by this very step before a crash.
  if (outputs.alreadyMerged && outputs.tested === true && sha && into)
    text = `${into} already held the tested commit ${sha}`;
  else if (outputs.alreadyMerged)
    text = `${what || 'the change'} was already merged${sha ? ` (${sha})` : ''}`;
  else if (outputs.tested === true && sha) text = `${what} landed as the tested commit ${sha}`;
  else if (sha) text = `${what ? `${what} ` : ''}merged as ${sha}`;
  return text === undefined ? [] : [{ text, universe: 'story' }];
}

interface GitHubMerge {
  cwd: string;
  method: MergeMethod;
  /** Only when the step says so: then the pull request must target it. */
  into: string | undefined;
  branch: string | undefined;
  /** The head commit that was tested: the merge is pinned to it. */
  head: string | undefined;
}

function describeLanding(merged: LocalMergeResult): string {
  const what = merged.tested
    ? `the tested commit ${merged.sha}`
    : `"${merged.branch}" as ${merged.sha}`;
  if (merged.landing === 'already')
    return `${merged.into} already holds ${merged.tested ? what : `"${merged.branch}"`} (${merged.sha}).`;
  const how =
    merged.landing === 'fast-forward'
      ? 'fast-forwarded in its checkout'
      : 'moved as a ref (it is not checked out)';
  return `Landed ${what} on ${merged.into}: ${how}.`;
}

async function mergeOnGitHub(
  ctx: ActionContext,
  merge: GitHubMerge,
): Promise<Record<string, unknown>> {
  const octokit = await createGitHubClient({
    env: ctx.env,
    signal: ctx.signal,
    warn: (line) => ctx.log.info(line),
  });
  const git = createLazyGit(merge.cwd, ctx.env);
  const repo = await resolveRepository(ctx.with.repo, git);
  const pr = await resolvePullNumber(octokit, repo, { pr: ctx.with.pr, branch: merge.branch, git });
  const where = formatPullRequest(repo, pr);
  const target = { owner: repo.owner, repo: repo.name, pull_number: pr };
  const { data: pull } = await octokit.rest.pulls.get(target).catch((error: unknown) => {
    throw toGitHubError(error, `read ${where}`);
  });
  const outputs = { mode: 'github', pr, merged: true, method: merge.method };
  if (pull.merged) {
    ctx.log.info(`${where} is already merged (${pull.merge_commit_sha}).`);
    return { ...outputs, sha: pull.merge_commit_sha, alreadyMerged: true };
  }
  if (pull.state === 'closed') {
    throw new MiaError('MIA_MERGE_PR_CLOSED', `${where} is closed without being merged.`, {
      hint: 'Reopen it on GitHub, or point `pr` at the right pull request, then resume.',
      isRetriable: false,
    });
  }
  if (merge.into !== undefined && pull.base.ref !== merge.into) {
    throw new MiaError(
      'MIA_MERGE_WRONG_BASE',
      `${where} targets "${pull.base.ref}", not "${merge.into}".`,
      {
        hint: `Change the pull request's base to ${merge.into}, or set \`into: ${pull.base.ref}\`.`,
        isRetriable: false,
      },
    );
  }
  if (merge.head !== undefined && !isSameCommit(pull.head.sha, merge.head)) {
    throw new MiaError(
      'MIA_MERGE_HEAD_MOVED',
      `The head of ${where} is ${pull.head.sha.slice(0, 7)}, but the tests ran on ${merge.head.slice(0, 7)}: it was not merged.`,
      {
        hint: `Resume the run so the step that tested ${pull.head.ref} tests its new head, then it merges.`,
        isRetriable: false,
      },
    );
  }
  const { data: result } = await octokit.rest.pulls
    .merge({ ...target, merge_method: merge.method, sha: pull.head.sha })
    .catch((error: unknown) => {
      throw toMergeError(error, where, merge.method, pull.head.sha);
    });
  ctx.log.info(`Merged ${where} (${merge.method}): ${result.sha}.`);
  return { ...outputs, sha: result.sha, alreadyMerged: false };
}

/** 405 and 409 mean something specific for a merge; anything else is a plain GitHub error. */
function toMergeError(error: unknown, where: string, method: MergeMethod, sha: string): MiaError {
  const status = getGitHubStatus(error);
  const reason = getGitHubMessage(error);
  if (status === 405) {
    // Retriable: pending checks may pass, so a step with `retry` can try again later.
    return new MiaError(
      'MIA_MERGE_NOT_MERGEABLE',
      `GitHub will not merge ${where} (${method}): ${reason}`,
      {
        hint: 'Make the required checks pass and resolve conflicts, or pick a method the repository allows, then resume.',
        cause: error,
      },
    );
  }
  if (status === 409) {
    return new MiaError(
      'MIA_MERGE_HEAD_MOVED',
      `The head of ${where} moved after it was read (was ${sha.slice(0, 7)}): ${reason}`,
      {
        hint: 'Review the new commits, then resume the run to merge the new head.',
        isRetriable: false,
        cause: error,
      },
    );
  }
  return toGitHubError(error, `merge ${where}`);
}

/** Whether a full commit id and a (possibly short) one name the same commit. */
function isSameCommit(full: string, given: string): boolean {
  return given.length >= 7 && full.toLowerCase().startsWith(given.toLowerCase());
}

function readMethod(value: unknown): MergeMethod {
  if (value === undefined || value === null || value === '') return 'merge';
  if (METHODS.includes(value as MergeMethod)) return value as MergeMethod;
  throw new MiaError('MIA_MERGE_BAD_METHOD', `method ${JSON.stringify(value)} is not known.`, {
    hint: 'Use `method: merge`, `squash` or `rebase`.',
    isRetriable: false,
  });
}

function readOptionalString(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  return String(value);
}
