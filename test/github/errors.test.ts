import type { Octokit } from '@octokit/rest';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { MiaError } from '../../src/errors.js';
import { createGitHubClient } from '../../src/github/client.js';
import { getGitHubStatus, toGitHubError } from '../../src/github/errors.js';
import { type FakeResponse, startFakeGitHub } from '../helpers/fake-github.js';

const github = await startFakeGitHub();
afterAll(() => github.close());
beforeEach(() => github.reset());

const WHAT = 'read o/r#1';

async function failWith(response: FakeResponse, env = github.env('ghp_secret')): Promise<MiaError> {
  github.route('GET', '/repos/o/r/pulls/1', response);
  const octokit: Octokit = await createGitHubClient({
    env,
    signal: new AbortController().signal,
    warn: () => undefined,
  });
  const thrown = await octokit.rest.pulls.get({ owner: 'o', repo: 'r', pull_number: 1 }).then(
    () => undefined,
    (error: unknown) => error,
  );
  const error = toGitHubError(thrown, WHAT);
  expect(error).toBeInstanceOf(MiaError);
  expect(error.message).not.toContain('ghp_secret');
  expect(error.message).toMatch(/^Could not read o\/r#1: /);
  return error;
}

describe('toGitHubError', () => {
  it('turns 401 into an invalid-token error that says to set GITHUB_TOKEN', async () => {
    const error = await failWith({ status: 401, body: { message: 'Bad credentials' } });
    expect(error).toMatchObject({ code: 'MIA_GITHUB_UNAUTHORIZED', isRetriable: false });
    expect(error.message).toContain('Bad credentials');
    expect(error.message).toContain('invalid or expired');
    expect(error.hint).toContain('GITHUB_TOKEN');
  });

  it('turns a 403 for permissions into a missing-permission error naming what GitHub accepts', async () => {
    const error = await failWith({
      status: 403,
      body: { message: 'Resource not accessible by personal access token' },
      headers: { 'x-accepted-github-permissions': 'pull_requests=write' },
    });
    expect(error).toMatchObject({ code: 'MIA_GITHUB_FORBIDDEN', isRetriable: false });
    expect(error.message).toContain('lacks permission (GitHub accepts: pull_requests=write)');
    expect(error.hint).toContain('pull_requests: write');
    expect(error.hint).toContain('`repo` scope');
  });

  it('tells a rate limit from a missing permission by the headers', async () => {
    const error = await failWith({
      status: 403,
      body: { message: 'API rate limit exceeded for user ID 1.' },
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1900000000' },
    });
    expect(error).toMatchObject({ code: 'MIA_GITHUB_RATE_LIMITED', isRetriable: true });
    expect(error.message).toContain('rate limit exceeded');
    expect(error.hint).toContain('until 2030-03-17T17:46:40.000Z');
  });

  it('turns a secondary rate limit (429 with retry-after) into a rate-limit error', async () => {
    const error = await failWith({
      status: 429,
      body: { message: 'You have exceeded a secondary rate limit.' },
      headers: { 'retry-after': '60' },
    });
    expect(error).toMatchObject({ code: 'MIA_GITHUB_RATE_LIMITED' });
    expect(error.hint).toContain('Wait 60s');
  });

  it('turns 404 into a not-found error that mentions access', async () => {
    const error = await failWith({ status: 404, body: { message: 'Not Found' } });
    expect(error).toMatchObject({ code: 'MIA_GITHUB_NOT_FOUND', isRetriable: false });
    expect(error.message).toContain('does not exist, or the token cannot see it');
  });

  it("turns 422 into a validation error carrying GitHub's message and details", async () => {
    const error = await failWith({
      status: 422,
      body: {
        message: 'Validation Failed',
        errors: [{ resource: 'PullRequest', field: 'base', code: 'invalid' }, 'second problem'],
      },
    });
    expect(error).toMatchObject({ code: 'MIA_GITHUB_INVALID', isRetriable: false });
    expect(error.message).toContain('Validation Failed; PullRequest base invalid; second problem');
  });

  it('keeps any other status with its message, retriable for server errors', async () => {
    const error = await failWith({ status: 502, body: { message: 'Server Error' } });
    expect(error).toMatchObject({ code: 'MIA_GITHUB_REQUEST_FAILED', isRetriable: true });
    expect(error.message).toContain('GitHub answered 502: Server Error');
  });

  it('says GitHub did not answer when nothing listens at the API URL', async () => {
    const closed = await startFakeGitHub();
    await closed.close();
    const error = await failWith({ status: 200 }, closed.env('ghp_secret'));
    expect(error).toMatchObject({ code: 'MIA_GITHUB_UNREACHABLE', isRetriable: true });
    expect(error.message).toContain(`did not answer at ${closed.url}`);
  });

  it('passes a MiaError through unchanged and wraps any other error', () => {
    const own = new MiaError('MIA_X', 'x');
    expect(toGitHubError(own, WHAT)).toBe(own);
    expect(toGitHubError(new Error('boom'), WHAT)).toMatchObject({
      code: 'MIA_GITHUB_REQUEST_FAILED',
      message: 'Could not read o/r#1: boom',
    });
    expect(getGitHubStatus(new Error('boom'))).toBeUndefined();
  });
});
