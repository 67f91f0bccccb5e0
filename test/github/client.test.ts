import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createGitHubClient,
  DEFAULT_GITHUB_API_URL,
  readGitHubApiUrl,
  readGitHubToken,
  resolveGitHubMode,
} from '../../src/github/client.js';
import { startFakeGitHub } from '../helpers/fake-github.js';

const github = await startFakeGitHub();
afterAll(() => github.close());
beforeEach(() => github.reset());

describe('readGitHubToken', () => {
  it.each([
    [{ GITHUB_TOKEN: 'a' }, 'a'],
    [{ GH_TOKEN: 'b' }, 'b'],
    [{ GITHUB_TOKEN: 'a', GH_TOKEN: 'b' }, 'a'],
    [{ GITHUB_TOKEN: '  ', GH_TOKEN: 'b' }, 'b'],
    [{}, undefined],
  ])('reads %j as %j', (env, expected) => {
    expect(readGitHubToken(env)).toBe(expected);
  });
});

describe('resolveGitHubMode', () => {
  it.each([
    [undefined, { GITHUB_TOKEN: 't' }, 'github'],
    [undefined, {}, 'local'],
    ['local', { GITHUB_TOKEN: 't' }, 'local'],
    ['github', { GH_TOKEN: 't' }, 'github'],
  ])('with mode %j and env %j chooses %s', (mode, env, expected) => {
    expect(resolveGitHubMode(mode, env)).toBe(expected);
  });

  it('refuses mode github without a token and says how to provide one', () => {
    expect(() => resolveGitHubMode('github', {})).toThrow(
      expect.objectContaining({
        code: 'MIA_GITHUB_NO_TOKEN',
        isRetriable: false,
        hint: expect.stringContaining('GITHUB_TOKEN'),
      }),
    );
  });

  it('refuses an unknown mode and names it', () => {
    expect(() => resolveGitHubMode('cloud', {})).toThrow(/mode "cloud" is not known/);
  });
});

describe('readGitHubApiUrl', () => {
  it('defaults to the public API', () => {
    expect(readGitHubApiUrl({})).toBe(DEFAULT_GITHUB_API_URL);
  });

  it('takes GITHUB_API_URL without its trailing slash', () => {
    expect(readGitHubApiUrl({ GITHUB_API_URL: 'https://ghe.example.com/api/v3/' })).toBe(
      'https://ghe.example.com/api/v3',
    );
  });

  it('refuses a GITHUB_API_URL that is not http(s)', () => {
    expect(() => readGitHubApiUrl({ GITHUB_API_URL: 'ftp://x' })).toThrow(
      expect.objectContaining({ code: 'MIA_GITHUB_BAD_API_URL' }),
    );
  });
});

describe('createGitHubClient', () => {
  it('talks to GITHUB_API_URL with the token and the mia-workflow user agent', async () => {
    github.route('GET', '/repos/o/r', { status: 200, body: { full_name: 'o/r' } });
    const octokit = await createGitHubClient({
      env: github.env('secret-token'),
      signal: new AbortController().signal,
      warn: () => undefined,
    });
    const { data } = await octokit.rest.repos.get({ owner: 'o', repo: 'r' });
    expect(data.full_name).toBe('o/r');
    expect(github.requests).toHaveLength(1);
    const [request] = github.requests;
    expect(request?.headers.authorization).toBe('token secret-token');
    expect(request?.headers['user-agent']).toMatch(/^mia-workflow/);
  });

  it('uses GH_TOKEN when GITHUB_TOKEN is not set', async () => {
    github.route('GET', '/repos/o/r', { status: 200, body: {} });
    const octokit = await createGitHubClient({
      env: { GITHUB_API_URL: github.url, GH_TOKEN: 'gh-token' },
      signal: new AbortController().signal,
      warn: () => undefined,
    });
    await octokit.rest.repos.get({ owner: 'o', repo: 'r' });
    expect(github.requests[0]?.headers.authorization).toBe('token gh-token');
  });

  it('tries a failing request once: retries belong to the engine', async () => {
    github.route('GET', '/repos/o/r', { status: 502, body: { message: 'Bad gateway' } });
    const octokit = await createGitHubClient({
      env: github.env(),
      signal: new AbortController().signal,
      warn: () => undefined,
    });
    await expect(octokit.rest.repos.get({ owner: 'o', repo: 'r' })).rejects.toThrow();
    expect(github.requests).toHaveLength(1);
  });

  it('refuses to build a client without a token', async () => {
    await expect(
      createGitHubClient({ env: {}, signal: new AbortController().signal, warn: () => undefined }),
    ).rejects.toMatchObject({ code: 'MIA_GITHUB_NO_TOKEN' });
  });
});
