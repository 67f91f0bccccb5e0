// Which GitHub repository an action works on: `with.repo` (owner/name) or the `origin` remote.

import type { SimpleGit } from 'simple-git';
import { MiaError } from '../errors.js';
import { readRemoteUrl } from './git.js';

/** A repository on GitHub (or a GitHub Enterprise host). */
export interface GitHubRepository {
  owner: string;
  name: string;
}

const OWNER_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,38})$/;
const NAME_PATTERN = /^[A-Za-z0-9._-]{1,100}$/;
const URL_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
const SCP_LIKE = /^(?:[^@/\s]+@)?[^:/\s]+:(?!\/\/)(.+)$/;

/** `owner/name`, as GitHub writes it. */
export function formatRepository(repo: GitHubRepository): string {
  return `${repo.owner}/${repo.name}`;
}

/** Parses `owner/name` (a trailing `.git` is tolerated); undefined when it is not one. */
export function parseRepositorySlug(value: string): GitHubRepository | undefined {
  const parts = value
    .trim()
    .replace(/\.git$/, '')
    .split('/');
  if (parts.length !== 2) return undefined;
  const [owner = '', name = ''] = parts;
  if (!OWNER_PATTERN.test(owner) || !NAME_PATTERN.test(name) || /^\.+$/.test(name)) {
    return undefined;
  }
  return { owner, name };
}

/**
 * Parses a git remote URL of GitHub or a GitHub Enterprise host: `https://host/o/r(.git)`
 * (with or without credentials), `ssh://git@host(:port)/o/r.git`, `git@host:o/r.git`.
 */
export function parseRemoteUrl(url: string): GitHubRepository | undefined {
  const trimmed = url.trim();
  let path: string | undefined;
  if (URL_SCHEME.test(trimmed)) {
    try {
      path = new URL(trimmed).pathname;
    } catch {
      return undefined;
    }
  } else {
    path = SCP_LIKE.exec(trimmed)?.[1];
  }
  if (path === undefined) return undefined;
  return parseRepositorySlug(decodeURIComponent(path).replace(/^\/+|\/+$/g, ''));
}

/** A remote URL fit for a message: any credentials in it are replaced by `***`. */
export function redactRemoteUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1***@');
}

/**
 * The repository named by `with.repo`, or else the one the `origin` remote of `git` points at.
 * Throws MIA_GITHUB_BAD_REPO or MIA_GITHUB_NO_REPO saying what to set.
 */
export async function resolveRepository(
  value: unknown,
  git: () => Promise<SimpleGit>,
): Promise<GitHubRepository> {
  if (value !== undefined && value !== null && value !== '') {
    const repo = typeof value === 'string' ? parseRepositorySlug(value) : undefined;
    if (repo) return repo;
    throw new MiaError('MIA_GITHUB_BAD_REPO', `repo ${JSON.stringify(value)} is not owner/name.`, {
      hint: 'Write the repository as on GitHub, like `repo: octo-org/hello-world`.',
      isRetriable: false,
    });
  }
  const url = await readRemoteUrl(await git(), 'origin');
  if (url === undefined) {
    throw new MiaError(
      'MIA_GITHUB_NO_REPO',
      'No GitHub repository: `repo` is not set and the workspace has no `origin` remote.',
      {
        hint: 'Set `repo: owner/name` on the step, or add the remote: git remote add origin https://github.com/owner/name.git',
        isRetriable: false,
      },
    );
  }
  const repo = parseRemoteUrl(url);
  if (repo) return repo;
  throw new MiaError(
    'MIA_GITHUB_NO_REPO',
    `The origin remote ${redactRemoteUrl(url)} does not name a GitHub repository (owner/name).`,
    { hint: 'Set `repo: owner/name` on the step.', isRetriable: false },
  );
}
