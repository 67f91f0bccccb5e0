// GitHub API failures as MiaErrors that say what to fix (token, permission, rate limit, access).

import { MiaError } from '../errors.js';

/** The parts of an Octokit RequestError this module reads (duck-typed: Octokit loads lazily). */
interface HttpErrorLike extends Error {
  status: number;
  request?: { url?: string };
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
}

const TOKEN_HINT =
  'Set GITHUB_TOKEN (or GH_TOKEN) to a valid token: `gh auth token`, or a new one at https://github.com/settings/tokens.';

/** The HTTP status of a GitHub request error, or undefined for any other error. */
export function getGitHubStatus(error: unknown): number | undefined {
  return isHttpError(error) ? error.status : undefined;
}

/** GitHub's own explanation of a failed request: `message`, then each validation error. */
export function getGitHubMessage(error: unknown): string {
  if (!isHttpError(error)) return error instanceof Error ? error.message : String(error);
  const data = error.response?.data;
  if (typeof data === 'string' && data.trim() !== '') return data.trim();
  if (typeof data !== 'object' || data === null) return error.message;
  const { message, errors } = data as { message?: unknown; errors?: unknown };
  const details = Array.isArray(errors) ? errors.map(describeValidationError) : [];
  return [typeof message === 'string' ? message : error.message, ...details].join('; ');
}

/**
 * Turns a failed GitHub request into a MiaError. `what` completes "Could not …", e.g.
 * `request reviewers on octo/app#12`. Messages carry GitHub's reason, never the token.
 */
export function toGitHubError(error: unknown, what: string): MiaError {
  if (error instanceof MiaError) return error;
  const reason = getGitHubMessage(error);
  if (!isHttpError(error)) {
    return new MiaError('MIA_GITHUB_REQUEST_FAILED', `Could not ${what}: ${reason}`, {
      hint: 'Check the network and GITHUB_API_URL, then retry.',
      cause: error,
    });
  }
  const headers = error.response?.headers ?? {};
  const fail = (code: string, text: string, hint: string, isRetriable: boolean) =>
    new MiaError(code, `Could not ${what}: ${text}`, { hint, isRetriable, cause: error });
  switch (error.status) {
    case 401:
      return fail(
        'MIA_GITHUB_UNAUTHORIZED',
        `GitHub answered 401 (${reason}): the token is invalid or expired.`,
        TOKEN_HINT,
        false,
      );
    case 403:
    case 429:
      if (error.status === 429 || isRateLimited(headers, reason)) {
        return fail(
          'MIA_GITHUB_RATE_LIMITED',
          `GitHub answered ${error.status}: rate limit exceeded (${reason}).`,
          `Wait${describeReset(headers)} and resume the run, or use a token with a higher limit.`,
          true,
        );
      }
      return fail(
        'MIA_GITHUB_FORBIDDEN',
        `GitHub answered 403 (${reason}): the token lacks permission${describeNeeded(headers)}.`,
        'Use a token that can write to the repository: fine-grained with `pull_requests: write` (and `contents: write` to merge), or classic with the `repo` scope.',
        false,
      );
    case 404:
      return fail(
        'MIA_GITHUB_NOT_FOUND',
        `GitHub answered 404 (${reason}): the repository or pull request does not exist, or the token cannot see it.`,
        'Check `repo` and `pr` (or the origin remote and branch); a private repository needs a token with access to it.',
        false,
      );
    case 422:
      return fail(
        'MIA_GITHUB_INVALID',
        `GitHub refused the request (422): ${reason}`,
        'Fix the values GitHub names (a reviewer must be a collaborator and not the author).',
        false,
      );
    default:
      if (error.response === undefined) {
        return fail(
          'MIA_GITHUB_UNREACHABLE',
          `GitHub did not answer at ${describeOrigin(error)}: ${reason}`,
          'Check the network, or GITHUB_API_URL when using GitHub Enterprise.',
          true,
        );
      }
      return fail(
        'MIA_GITHUB_REQUEST_FAILED',
        `GitHub answered ${error.status}: ${reason}`,
        error.status >= 500 ? 'GitHub had a problem: retry later.' : 'Read GitHub’s reason above.',
        error.status >= 500,
      );
  }
}

function isHttpError(error: unknown): error is HttpErrorLike {
  return (
    error instanceof Error &&
    error.name === 'HttpError' &&
    typeof (error as Partial<HttpErrorLike>).status === 'number'
  );
}

function describeValidationError(entry: unknown): string {
  if (typeof entry === 'string') return entry;
  if (typeof entry !== 'object' || entry === null) return String(entry);
  const { message, resource, field, code } = entry as Record<string, unknown>;
  if (typeof message === 'string') return message;
  return [resource, field, code].filter((part) => typeof part === 'string').join(' ');
}

function isRateLimited(headers: Record<string, string | number | undefined>, reason: string) {
  return String(headers['x-ratelimit-remaining']) === '0' || /rate limit/i.test(reason);
}

function describeReset(headers: Record<string, string | number | undefined>): string {
  const retryAfter = Number(headers['retry-after']);
  if (Number.isFinite(retryAfter) && retryAfter > 0) return ` ${retryAfter}s`;
  const reset = Number(headers['x-ratelimit-reset']);
  if (Number.isFinite(reset) && reset > 0) return ` until ${new Date(reset * 1000).toISOString()}`;
  return ' a while';
}

function describeNeeded(headers: Record<string, string | number | undefined>): string {
  const needed = headers['x-accepted-github-permissions'];
  return needed ? ` (GitHub accepts: ${needed})` : '';
}

function describeOrigin(error: HttpErrorLike): string {
  try {
    return new URL(error.request?.url ?? '').origin;
  } catch {
    return 'the API URL';
  }
}
