// Which pull request an action works on: `with.pr`, or the open one whose head is the current branch.

import type { Octokit } from '@octokit/rest';
import type { SimpleGit } from 'simple-git';
import { MiaError } from '../errors.js';
import { toGitHubError } from './errors.js';
import { readCurrentBranch } from './git.js';
import { formatRepository, type GitHubRepository } from './repository.js';

/** `owner/name#12`, for messages. */
export function formatPullRequest(repo: GitHubRepository, pr: number): string {
  return `${formatRepository(repo)}#${pr}`;
}

/**
 * `with.pr` as a number: an integer, or a string of digits (an expression's value, `#12`).
 * Undefined when not set; MIA_GITHUB_BAD_PR when it is not a pull request number.
 */
export function readPullNumber(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value : '';
  const match = /^#?([1-9]\d*)$/.exec(text.trim());
  if (match?.[1] !== undefined) return Number(match[1]);
  throw new MiaError(
    'MIA_GITHUB_BAD_PR',
    `pr ${JSON.stringify(value)} is not a pull request number.`,
    {
      hint: 'Write the number GitHub shows, like `pr: 42`, or leave `pr` out to use the branch’s open pull request.',
      isRetriable: false,
    },
  );
}

/** Where to look for the pull request. */
export interface PullRequestQuery {
  pr: unknown;
  /** The head branch; the current branch of the workspace when not given. */
  branch?: string | undefined;
  git: () => Promise<SimpleGit>;
}

/**
 * The pull request number: `query.pr` when set, else the open pull request whose head is the
 * branch (`GET /repos/{o}/{r}/pulls?head={o}:{branch}&state=open`). MIA_GITHUB_NO_PR when none.
 */
export async function resolvePullNumber(
  octokit: Octokit,
  repo: GitHubRepository,
  query: PullRequestQuery,
): Promise<number> {
  const given = readPullNumber(query.pr);
  if (given !== undefined) return given;
  const branch = query.branch ?? (await readCurrentBranch(await query.git()));
  if (branch === undefined) {
    throw new MiaError(
      'MIA_GITHUB_NO_PR',
      'No pull request: `pr` is not set and the workspace is not on a branch (detached HEAD, or not a git repository).',
      {
        hint: 'Set `pr: <number>` on the step, or check out the pull request’s branch.',
        isRetriable: false,
      },
    );
  }
  const what = `find the open pull request of branch "${branch}" in ${formatRepository(repo)}`;
  const pulls = await octokit.rest.pulls
    .list({ owner: repo.owner, repo: repo.name, head: `${repo.owner}:${branch}`, state: 'open' })
    .catch((error: unknown) => {
      throw toGitHubError(error, what);
    });
  const found = pulls.data[0];
  if (found === undefined) {
    throw new MiaError(
      'MIA_GITHUB_NO_PR',
      `No open pull request from branch "${branch}" in ${formatRepository(repo)}.`,
      {
        hint: `Push the branch and open one (gh pr create --head ${branch}), or set \`pr: <number>\` on the step.`,
        isRetriable: false,
      },
    );
  }
  return found.number;
}
