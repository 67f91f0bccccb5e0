// The `request-review` action: asks for reviews on a GitHub pull request, or opens a local review gate.

import { MiaError } from '../../errors.js';
import { createGitHubClient, resolveGitHubMode } from '../../github/client.js';
import { toGitHubError } from '../../github/errors.js';
import { createLazyGit } from '../../github/git.js';
import { formatPullRequest, resolvePullNumber } from '../../github/pull-request.js';
import { resolveRepository } from '../../github/repository.js';
import { DURATION_SCHEMA, GITHUB_WITH_PROPERTIES } from '../../github/with-schema.js';
import { parseDuration } from '../../util/duration.js';
import { readText, readTextList } from '../output-facts.js';
import type { ActionAdapter, ActionContext, OutputFact } from '../types.js';
import { describeApproval, settleApproval } from './approve.js';
import { waitForApproval } from './review-wait.js';

const REVIEWER_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,38})(?:\/[A-Za-z0-9._-]+)?$/;
const DEFAULT_POLL_MS = 15_000;

/**
 * Requests `reviewers` (logins, or `org/team`) on a pull request and, with `wait`, waits for an
 * approving review. Without a token (or with `mode: local`) it opens a local review gate instead.
 */
export const requestReviewAction: ActionAdapter = {
  name: 'request-review',
  universes: ['ceremony'],
  description:
    'Requests reviewers on a GitHub pull request and can wait for approval; without a token, a local review gate.',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      reviewers: {
        type: 'array',
        minItems: 1,
        items: { type: 'string', pattern: REVIEWER_PATTERN.source },
        description: 'GitHub logins, or teams as org/team; without any, a local review gate.',
      },
      branch: {
        type: 'string',
        minLength: 1,
        description:
          'On GitHub: the branch whose open pull request is reviewed (default: the current branch).',
      },
      wait: {
        description:
          'Wait for an approving review: true (no limit but the step timeout) or a duration.',
        oneOf: [{ type: 'boolean' }, DURATION_SCHEMA],
      },
      poll: { ...DURATION_SCHEMA, description: 'First interval between checks (default 15s).' },
      ...GITHUB_WITH_PROPERTIES,
    },
  },
  async run(ctx) {
    const reviewers = ctx.with.reviewers === undefined ? [] : readReviewers(ctx.with.reviewers);
    const mode = resolveGitHubMode(ctx.with.mode, ctx.env);
    if (mode === 'local' || reviewers.length === 0) {
      if (mode === 'github') ctx.log.info('No reviewers named: a local review gate, not GitHub.');
      const answer = await ctx.requestApproval(
        reviewers.length > 0
          ? `Review requested from ${reviewers.join(', ')}: approve when reviewed`
          : 'Review requested: approve when the work has been reviewed',
      );
      return { outputs: { mode: 'local', ...settleApproval(ctx.stepId, answer), reviewers } };
    }
    try {
      return { outputs: await requestOnGitHub(ctx, reviewers) };
    } catch (error) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      throw error;
    }
  },
  describeOutputs: describeReview,
};

async function requestOnGitHub(
  ctx: ActionContext,
  reviewers: string[],
): Promise<Record<string, unknown>> {
  const timeoutMs = readWait(ctx.with.wait);
  const pollMs = readDuration(ctx.with.poll, 'poll') ?? DEFAULT_POLL_MS;
  const octokit = await createGitHubClient({
    env: ctx.env,
    signal: ctx.signal,
    warn: (line) => ctx.log.info(line),
  });
  const git = createLazyGit(ctx.workdir, ctx.env);
  const repo = await resolveRepository(ctx.with.repo, git);
  const branch =
    typeof ctx.with.branch === 'string' && ctx.with.branch ? ctx.with.branch : undefined;
  const pr = await resolvePullNumber(octokit, repo, { pr: ctx.with.pr, branch, git });
  const where = formatPullRequest(repo, pr);
  const users = reviewers.filter((reviewer) => !reviewer.includes('/'));
  const teams = reviewers.filter((reviewer) => reviewer.includes('/'));
  const response = await octokit.rest.pulls
    .requestReviewers({
      owner: repo.owner,
      repo: repo.name,
      pull_number: pr,
      reviewers: users,
      team_reviewers: teams.map((team) => team.slice(team.indexOf('/') + 1)),
    })
    .catch((error: unknown) => {
      throw toGitHubError(error, `request reviews from ${reviewers.join(', ')} on ${where}`);
    });
  ctx.log.info(`Requested reviews from ${reviewers.join(', ')} on ${where}.`);
  const outputs = { mode: 'github', pr, reviewers, url: response.data.html_url };
  if (timeoutMs === undefined) return outputs;
  const approvedBy = await waitForApproval({
    octokit,
    repo,
    pr,
    // Team membership is not looked up: when a team is asked, any approving reviewer counts.
    filter: { users, acceptAnyone: teams.length > 0 },
    timeoutMs,
    pollMs: Math.max(1, pollMs),
    signal: ctx.signal,
    log: (line) => ctx.log.info(line),
  });
  ctx.log.info(`${approvedBy} approved ${where}.`);
  return { ...outputs, approvedBy };
}

function readReviewers(value: unknown): string[] {
  // An expression may hand over a comma-separated string instead of a list.
  const list =
    typeof value === 'string' ? value.split(/[\s,]+/) : Array.isArray(value) ? value : [];
  const reviewers = list.map((item) => String(item).trim().replace(/^@/, '')).filter(Boolean);
  const bad = reviewers.find((reviewer) => !REVIEWER_PATTERN.test(reviewer));
  if (reviewers.length === 0 || bad !== undefined) {
    throw new MiaError(
      'MIA_REVIEW_BAD_REVIEWERS',
      bad === undefined
        ? 'reviewers is empty: name at least one GitHub login.'
        : `reviewer ${JSON.stringify(bad)} is not a GitHub login or org/team.`,
      { hint: 'Write `reviewers: [alice, octo-org/reviewers]`.', isRetriable: false },
    );
  }
  return reviewers;
}

/** `wait`: undefined (do not wait), Infinity (`true`), or milliseconds. */
function readWait(value: unknown): number | undefined {
  if (value === undefined || value === null || value === false || value === 'false')
    return undefined;
  if (value === true || value === 'true') return Number.POSITIVE_INFINITY;
  return readDuration(value, 'wait');
}

function readDuration(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const ms =
    typeof value === 'string' || typeof value === 'number' ? parseDuration(value) : undefined;
  if (ms !== undefined) return ms;
  throw new MiaError(
    'MIA_REVIEW_BAD_DURATION',
    `${field} ${JSON.stringify(value)} is not a duration.`,
    {
      hint: `Write ${field} in ms, s, m or h, like \`${field}: 30s\`${field === 'wait' ? ', or `wait: true`' : ''}.`,
      isRetriable: false,
    },
  );
}

/** `reviewers: alice, bob` and who approved, told by the ceremony. */
function describeReview(outputs: Record<string, unknown>): OutputFact[] {
  const reviewers = readTextList(outputs.reviewers);
  const approvedBy =
    readText(outputs.approvedBy) ?? (outputs.approved === true ? readText(outputs.by) : undefined);
  return [
    ...(reviewers.length > 0
      ? [{ text: `reviewers: ${reviewers.join(', ')}`, universe: 'ceremony' as const }]
      : []),
    ...describeApproval(approvedBy, outputs.automatic),
  ];
}
