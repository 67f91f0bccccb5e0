// Waiting for a pull request review: poll the reviews with backoff until an approval, a change request or the deadline.

import type { Octokit } from '@octokit/rest';
import { MiaError } from '../../errors.js';
import { toGitHubError } from '../../github/errors.js';
import { formatPullRequest } from '../../github/pull-request.js';
import type { GitHubRepository } from '../../github/repository.js';
import { formatDuration } from '../../util/duration.js';
import { sleep } from '../../util/timers.js';

/** The fields of a GitHub review that decide the outcome. */
export interface ReviewLike {
  user: { login: string } | null;
  state: string;
  body?: string | null;
}

/** Whose reviews count: the requested users, or anyone when a team was asked. */
export interface ReviewerFilter {
  users: readonly string[];
  acceptAnyone: boolean;
}

/** Where the reviews stand. */
export type ReviewVerdict =
  | { state: 'approved'; by: string }
  | { state: 'changes-requested'; by: string; comment: string }
  | { state: 'pending' };

/**
 * Judges reviews in the order GitHub lists them (oldest first): each reviewer's latest approval,
 * change request or dismissal counts (comments change nothing). A change request wins.
 */
export function judgeReviews(
  reviews: readonly ReviewLike[],
  filter: ReviewerFilter,
): ReviewVerdict {
  const wanted = new Set(filter.users.map((login) => login.toLowerCase()));
  const latest = new Map<string, ReviewLike>();
  for (const review of reviews) {
    const login = review.user?.login;
    if (login === undefined) continue;
    if (!filter.acceptAnyone && !wanted.has(login.toLowerCase())) continue;
    if (review.state === 'DISMISSED') latest.delete(login);
    if (review.state === 'APPROVED' || review.state === 'CHANGES_REQUESTED') {
      latest.set(login, review);
    }
  }
  const verdicts = [...latest.entries()];
  const changes = verdicts.find(([, review]) => review.state === 'CHANGES_REQUESTED');
  if (changes)
    return { state: 'changes-requested', by: changes[0], comment: changes[1].body ?? '' };
  const approval = verdicts.find(([, review]) => review.state === 'APPROVED');
  return approval ? { state: 'approved', by: approval[0] } : { state: 'pending' };
}

/** What waiting needs: the client, the pull request, whose reviews count and the timing. */
export interface ReviewWait {
  octokit: Octokit;
  repo: GitHubRepository;
  pr: number;
  filter: ReviewerFilter;
  /** How long to wait in all; Infinity waits until the step's own timeout. */
  timeoutMs: number;
  /** The first poll interval; it grows by half each time, up to four times this. */
  pollMs: number;
  signal: AbortSignal;
  log: (line: string) => void;
}

/**
 * Polls `GET /repos/{o}/{r}/pulls/{n}/reviews` until a counted reviewer approves (resolves with
 * the login), requests changes (MIA_REVIEW_CHANGES_REQUESTED) or time runs out (MIA_REVIEW_TIMEOUT).
 */
export async function waitForApproval(wait: ReviewWait): Promise<string> {
  const where = formatPullRequest(wait.repo, wait.pr);
  const deadline = Date.now() + wait.timeoutMs;
  const cap = wait.pollMs * 4;
  let interval = wait.pollMs;
  for (;;) {
    const reviews = await wait.octokit
      .paginate(wait.octokit.rest.pulls.listReviews, {
        owner: wait.repo.owner,
        repo: wait.repo.name,
        pull_number: wait.pr,
        per_page: 100,
      })
      .catch((error: unknown) => {
        throw toGitHubError(error, `read the reviews of ${where}`);
      });
    const verdict = judgeReviews(reviews, wait.filter);
    if (verdict.state === 'approved') return verdict.by;
    if (verdict.state === 'changes-requested') throw createChangesRequestedError(where, verdict);
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      throw new MiaError(
        'MIA_REVIEW_TIMEOUT',
        `No approving review on ${where} within ${formatDuration(wait.timeoutMs)}.`,
        { hint: 'Remind the reviewers, raise `wait`, or resume the run to wait again.' },
      );
    }
    const delay = Math.min(interval, remaining);
    wait.log(`No approving review on ${where} yet; checking again in ${formatDuration(delay)}.`);
    await sleep(delay, wait.signal);
    interval = Math.min(interval * 1.5, cap);
  }
}

function createChangesRequestedError(
  where: string,
  verdict: { by: string; comment: string },
): MiaError {
  const comment = verdict.comment.trim();
  const quoted = comment.length > 500 ? `${comment.slice(0, 500)}…` : comment;
  return new MiaError(
    'MIA_REVIEW_CHANGES_REQUESTED',
    `${verdict.by} requested changes on ${where}${quoted ? `: ${quoted}` : ' (no comment).'}`,
    {
      hint: 'Address the review and push, then resume the run to ask for a review again.',
      isRetriable: false,
    },
  );
}
