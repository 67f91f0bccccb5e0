import type { Octokit } from '@octokit/rest';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubClient } from '../../src/github/client.js';
import { openGit } from '../../src/github/git.js';
import { readPullNumber, resolvePullNumber } from '../../src/github/pull-request.js';
import { createEnvWithoutGitHub, startFakeGitHub } from '../helpers/fake-github.js';
import { git, initRepository } from '../helpers/temp-git-repo.js';

const github = await startFakeGitHub();
afterAll(() => github.close());
beforeEach(() => github.reset());

const repo = { owner: 'octo-org', name: 'app' };

function createClient(): Promise<Octokit> {
  return createGitHubClient({
    env: github.env(),
    signal: new AbortController().signal,
    warn: () => undefined,
  });
}

async function repositoryOnBranch(branch: string) {
  const dir = await initRepository();
  await git(dir, 'checkout', '--quiet', '-b', branch);
  return () => openGit(dir, createEnvWithoutGitHub());
}

describe('readPullNumber', () => {
  it.each([
    [42, 42],
    ['42', 42],
    ['#7', 7],
    [undefined, undefined],
    ['', undefined],
  ])('reads %j as %j', (value, expected) => {
    expect(readPullNumber(value)).toBe(expected);
  });

  it.each([[0], [-3], [1.5], ['abc'], [{}]])('refuses %j and names it', (value) => {
    expect(() => readPullNumber(value)).toThrow(
      expect.objectContaining({
        code: 'MIA_GITHUB_BAD_PR',
        message: expect.stringContaining(JSON.stringify(value)),
      }),
    );
  });
});

describe('resolvePullNumber', () => {
  it('uses with.pr without asking GitHub', async () => {
    const number = await resolvePullNumber(await createClient(), repo, {
      pr: 12,
      git: () => Promise.reject(new Error('git is not needed')),
    });
    expect(number).toBe(12);
    expect(github.requests).toHaveLength(0);
  });

  it('finds the open pull request of the current branch', async () => {
    github.route('GET', '/repos/octo-org/app/pulls', { status: 200, body: [{ number: 7 }] });
    const number = await resolvePullNumber(await createClient(), repo, {
      pr: undefined,
      git: await repositoryOnBranch('feature/login'),
    });
    expect(number).toBe(7);
    expect(github.requests[0]).toMatchObject({
      method: 'GET',
      path: '/repos/octo-org/app/pulls',
      query: { head: 'octo-org:feature/login', state: 'open' },
    });
  });

  it('finds the pull request of a branch given by the step', async () => {
    github.route('GET', '/repos/octo-org/app/pulls', { status: 200, body: [{ number: 9 }] });
    const number = await resolvePullNumber(await createClient(), repo, {
      pr: undefined,
      branch: 'fix',
      git: () => Promise.reject(new Error('git is not needed')),
    });
    expect(number).toBe(9);
    expect(github.requests[0]?.query.head).toBe('octo-org:fix');
  });

  it('says so when the branch has no open pull request', async () => {
    github.route('GET', '/repos/octo-org/app/pulls', { status: 200, body: [] });
    const error = await resolvePullNumber(await createClient(), repo, {
      pr: undefined,
      git: await repositoryOnBranch('lonely'),
    }).catch((e) => e);
    expect(error).toMatchObject({ code: 'MIA_GITHUB_NO_PR', isRetriable: false });
    expect(error.message).toBe('No open pull request from branch "lonely" in octo-org/app.');
  });

  it('says so when HEAD is detached and no pr is given', async () => {
    const dir = await initRepository();
    await git(dir, 'checkout', '--quiet', '--detach');
    const error = await resolvePullNumber(await createClient(), repo, {
      pr: undefined,
      git: () => openGit(dir, createEnvWithoutGitHub()),
    }).catch((e) => e);
    expect(error).toMatchObject({ code: 'MIA_GITHUB_NO_PR' });
    expect(error.message).toContain('not on a branch');
  });
});
