import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { mergePrAction } from '../../../src/actions/story/merge-pr.js';
import { createTestContext } from '../../helpers/action-context.js';
import { createEnvWithoutGitHub, startFakeGitHub } from '../../helpers/fake-github.js';
import { GIT_IDENTITY_ENV, git, initRepositoryWithFeature } from '../../helpers/temp-git-repo.js';
import { describeActionContract } from '../contract.js';

const github = await startFakeGitHub();
afterAll(() => github.close());
beforeEach(() => github.reset());

const PULL = '/repos/octo-org/app/pulls/12';
const HEAD_SHA = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
const MERGE_SHA = 'f00dfeedf00dfeedf00dfeedf00dfeedf00dfeed';
const localEnv = createEnvWithoutGitHub(GIT_IDENTITY_ENV);

function openPull(overrides: Record<string, unknown> = {}) {
  return {
    status: 200,
    body: {
      number: 12,
      state: 'open',
      merged: false,
      merge_commit_sha: null,
      head: { sha: HEAD_SHA, ref: 'feature' },
      base: { ref: 'main' },
      ...overrides,
    },
  };
}

async function runMerge(with_: Record<string, unknown>) {
  const ctx = await createTestContext({
    with: { repo: 'octo-org/app', pr: 12, ...with_ },
    env: github.env(),
  });
  const result = await mergePrAction.run(ctx);
  return { ctx, outputs: result?.outputs };
}

describeActionContract({
  adapter: mergePrAction,
  validWith: [
    {},
    { pr: 12 },
    { branch: 'feature', into: 'develop', method: 'squash', mode: 'local', cwd: 'repo' },
    { pr: '#3', repo: 'octo-org/app', method: 'rebase', mode: 'github' },
    { branch: 'feature', sha: 'a1b2c3d', head: HEAD_SHA },
  ],
  invalidWith: [
    { method: 'octopus' },
    { pr: 'twelve' },
    { into: '' },
    { mode: 'remote' },
    { repo: 'a/b/c' },
    { sha: 'main' },
    { head: '--upload-pack=x' },
    { extra: true },
  ],
  success: {
    with: { branch: 'feature', mode: 'local' },
    setup: async (dir) => void (await initRepositoryWithFeature(dir)),
    context: { env: localEnv },
  },
  failure: {
    with: { branch: 'missing', mode: 'local' },
    setup: async (dir) => void (await initRepositoryWithFeature(dir)),
    context: { env: localEnv },
  },
});

describe('merge-pr on GitHub', () => {
  it('reads the pull request, then merges its head with the method asked', async () => {
    github.route('GET', PULL, openPull());
    github.route('PUT', `${PULL}/merge`, {
      status: 200,
      body: { sha: MERGE_SHA, merged: true, message: 'Pull Request successfully merged' },
    });
    const { outputs } = await runMerge({ method: 'squash' });
    expect(github.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET ${PULL}`,
      `PUT ${PULL}/merge`,
    ]);
    expect(github.requests[1]).toMatchObject({
      body: { merge_method: 'squash', sha: HEAD_SHA },
      headers: { authorization: 'token test-token' },
    });
    expect(outputs).toEqual({
      mode: 'github',
      pr: 12,
      sha: MERGE_SHA,
      merged: true,
      method: 'squash',
      alreadyMerged: false,
    });
  });

  it('pins the merge to the head that was tested', async () => {
    github.route('GET', PULL, openPull());
    github.route('PUT', `${PULL}/merge`, { status: 200, body: { sha: MERGE_SHA, merged: true } });
    await runMerge({ head: HEAD_SHA.slice(0, 12) });
    expect(github.requests[1]?.body).toMatchObject({ sha: HEAD_SHA });
  });

  it('refuses, before any merge, a pull request whose head is not the one tested', async () => {
    github.route('GET', PULL, openPull());
    const tested = 'b'.repeat(40);
    const error = await runMerge({ head: tested }).catch((e) => e);
    expect(error).toMatchObject({ code: 'MIA_MERGE_HEAD_MOVED', isRetriable: false });
    expect(error.message).toBe(
      'The head of octo-org/app#12 is a1b2c3d, but the tests ran on bbbbbbb: it was not merged.',
    );
    expect(github.requests.map((r) => r.method)).toEqual(['GET']);
  });

  it('reports an already merged pull request without merging it twice', async () => {
    github.route(
      'GET',
      PULL,
      openPull({ state: 'closed', merged: true, merge_commit_sha: MERGE_SHA }),
    );
    const { outputs } = await runMerge({});
    expect(github.requests).toHaveLength(1);
    expect(outputs).toMatchObject({
      sha: MERGE_SHA,
      merged: true,
      alreadyMerged: true,
      method: 'merge',
    });
  });

  it('finds the pull request of the branch given', async () => {
    github.route('GET', '/repos/octo-org/app/pulls', { status: 200, body: [{ number: 12 }] });
    github.route('GET', PULL, openPull());
    github.route('PUT', `${PULL}/merge`, { status: 200, body: { sha: MERGE_SHA, merged: true } });
    await runMerge({ pr: undefined, branch: 'feature' });
    expect(github.requests[0]?.query).toMatchObject({ head: 'octo-org:feature', state: 'open' });
  });

  it("turns 405 into a not-mergeable error carrying GitHub's reason", async () => {
    github.route('GET', PULL, openPull());
    github.route('PUT', `${PULL}/merge`, {
      status: 405,
      body: { message: 'Required status check "ci" is failing.' },
    });
    const error = await runMerge({}).catch((e) => e);
    expect(error).toMatchObject({ code: 'MIA_MERGE_NOT_MERGEABLE' });
    expect(error.message).toBe(
      'GitHub will not merge octo-org/app#12 (merge): Required status check "ci" is failing.',
    );
  });

  it('turns 409 into a head-moved error that will not be retried', async () => {
    github.route('GET', PULL, openPull());
    github.route('PUT', `${PULL}/merge`, {
      status: 409,
      body: { message: 'Head branch was modified. Review and try the merge again.' },
    });
    const error = await runMerge({}).catch((e) => e);
    expect(error).toMatchObject({ code: 'MIA_MERGE_HEAD_MOVED', isRetriable: false });
    expect(error.message).toContain('(was a1b2c3d): Head branch was modified');
  });

  it.each([
    [401, 'MIA_GITHUB_UNAUTHORIZED'],
    [403, 'MIA_GITHUB_FORBIDDEN'],
    [404, 'MIA_GITHUB_NOT_FOUND'],
    [422, 'MIA_GITHUB_INVALID'],
  ])('turns a %i answer to the merge into %s', async (status, code) => {
    github.route('GET', PULL, openPull());
    github.route('PUT', `${PULL}/merge`, { status, body: { message: 'nope' } });
    await expect(runMerge({})).rejects.toMatchObject({ code });
  });

  it('refuses a pull request closed without merging', async () => {
    github.route('GET', PULL, openPull({ state: 'closed' }));
    await expect(runMerge({})).rejects.toMatchObject({ code: 'MIA_MERGE_PR_CLOSED' });
    expect(github.requests).toHaveLength(1);
  });

  it('refuses a pull request that targets another branch than `into`', async () => {
    github.route('GET', PULL, openPull({ base: { ref: 'develop' } }));
    await expect(runMerge({ into: 'main' })).rejects.toMatchObject({
      code: 'MIA_MERGE_WRONG_BASE',
      message: 'octo-org/app#12 targets "develop", not "main".',
    });
  });
});

describe('merge-pr without a token', () => {
  it('merges locally and never calls GitHub', async () => {
    const dir = await initRepositoryWithFeature();
    const ctx = await createTestContext({
      with: { branch: 'feature' },
      env: localEnv,
      workdir: dir,
    });
    const result = await mergePrAction.run(ctx);
    expect(result?.outputs).toMatchObject({
      mode: 'local',
      branch: 'feature',
      into: 'main',
      merged: true,
    });
    expect(await git(dir, 'log', '-1', '--format=%s', 'main')).toBe(
      "Merge branch 'feature' into main (mia: test-run/step)",
    );
    expect(github.requests).toHaveLength(0);
  });
});
