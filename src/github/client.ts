// GitHub access for actions: the token, the API base, the mode (github or local) and the Octokit client.

import type { Octokit } from '@octokit/rest';
import { MiaError } from '../errors.js';

/** Where a GitHub-facing action does its work: on GitHub, or in the local repository and a gate. */
export type GitHubMode = 'github' | 'local';

/** The public GitHub API; `GITHUB_API_URL` replaces it (GitHub Enterprise, a test server). */
export const DEFAULT_GITHUB_API_URL = 'https://api.github.com';

/** The token from `GITHUB_TOKEN`, else `GH_TOKEN`; undefined when neither is set. */
export function readGitHubToken(env: Record<string, string | undefined>): string | undefined {
  const token = env.GITHUB_TOKEN?.trim() || env.GH_TOKEN?.trim();
  return token || undefined;
}

/** The token, or MIA_GITHUB_NO_TOKEN saying how to provide one. */
export function requireGitHubToken(env: Record<string, string | undefined>): string {
  const token = readGitHubToken(env);
  if (token !== undefined) return token;
  throw new MiaError(
    'MIA_GITHUB_NO_TOKEN',
    'GitHub mode needs a token, but neither GITHUB_TOKEN nor GH_TOKEN is set.',
    {
      hint: 'Export GITHUB_TOKEN (a token with `pull_requests: write`, or the classic `repo` scope), or use `mode: local`.',
      isRetriable: false,
    },
  );
}

/** The API base URL from `GITHUB_API_URL` (without a trailing slash), or the public API. */
export function readGitHubApiUrl(env: Record<string, string | undefined>): string {
  const value = env.GITHUB_API_URL?.trim();
  if (!value) return DEFAULT_GITHUB_API_URL;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new MiaError(
      'MIA_GITHUB_BAD_API_URL',
      `GITHUB_API_URL ${JSON.stringify(value)} is not an http(s) URL.`,
      {
        hint: `Set it to the API base, like ${DEFAULT_GITHUB_API_URL} or https://github.example.com/api/v3, or unset it.`,
        isRetriable: false,
      },
    );
  }
  return value.replace(/\/+$/, '');
}

/**
 * Decides the mode from `with.mode`: `local` and `github` as asked (`github` needs a token),
 * otherwise `github` when a token is set and `local` when not.
 */
export function resolveGitHubMode(
  requested: unknown,
  env: Record<string, string | undefined>,
): GitHubMode {
  const hasToken = readGitHubToken(env) !== undefined;
  if (requested === undefined || requested === null || requested === '') {
    return hasToken ? 'github' : 'local';
  }
  if (requested === 'local') return 'local';
  if (requested !== 'github') {
    throw new MiaError('MIA_GITHUB_BAD_MODE', `mode ${JSON.stringify(requested)} is not known.`, {
      hint: 'Use `mode: github` or `mode: local`, or leave it out (github when a token is set).',
      isRetriable: false,
    });
  }
  requireGitHubToken(env);
  return 'github';
}

/** What a client needs: the step's environment, its abort signal, and where warnings go. */
export interface GitHubClientOptions {
  env: Record<string, string | undefined>;
  signal: AbortSignal;
  /** Receives Octokit's warnings (deprecations, …): library code never prints. */
  warn: (line: string) => void;
}

/**
 * An Octokit for the token and API base of `env`. Loaded on demand so that commands that never
 * talk to GitHub do not pay for it. @octokit/rest has no retry plugin: each request is tried
 * once and the engine's retry policy decides what happens next. The signal cancels requests.
 */
export async function createGitHubClient(options: GitHubClientOptions): Promise<Octokit> {
  const token = requireGitHubToken(options.env);
  const baseUrl = readGitHubApiUrl(options.env);
  const { Octokit } = await import('@octokit/rest');
  const quiet = () => undefined;
  const warn = (message: string) => options.warn(`GitHub: ${message}`);
  return new Octokit({
    auth: token,
    baseUrl,
    userAgent: 'mia-workflow',
    request: { signal: options.signal },
    log: { debug: quiet, info: quiet, warn, error: warn },
  });
}
