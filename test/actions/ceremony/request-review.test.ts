import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { requestReviewAction } from '../../../src/actions/ceremony/request-review.js';
import type { ActionContext } from '../../../src/actions/types.js';
import { createTestContext } from '../../helpers/action-context.js';
import { createEnvWithoutGitHub, startFakeGitHub } from '../../helpers/fake-github.js';
import { git, initRepository } from '../../helpers/temp-git-repo.js';
import { describeActionContract } from '../contract.js';

const github = await startFakeGitHub();
afterAll(() => github.close());
beforeEach(() => github.reset());
afterEach(() => {
  vi.useRealTimers();
});

/** Lets real I/O run until `predicate` holds (setImmediate: fake timers leave it alone). */
async function untilTrue(predicate: () => boolean): Promise<void> {
  while (!predicate()) await new Promise((resolve) => setImmediate(resolve));
}

const PULL = '/repos/octo-org/app/pulls/12';
const PULL_URL = 'https://github.com/octo-org/app/pull/12';

function review(login: string, state: string, body = '') {
  return { user: { login }, state, body };
}

async function runReview(with_: Record<string, unknown>, context: Partial<ActionContext> = {}) {
  const ctx = await createTestContext({
    with: { repo: 'octo-org/app', pr: 12, ...with_ },
    env: github.env(),
    ...context,
  });
  const result = await requestReviewAction.run(ctx);
  return { ctx, outputs: result?.outputs };
}

function routeRequested() {
  github.route('POST', `${PULL}/requested_reviewers`, {
    status: 201,
    body: { number: 12, html_url: PULL_URL },
  });
}

describeActionContract({
  adapter: requestReviewAction,
  validWith: [
    { reviewers: ['alice'] },
    { reviewers: ['alice', 'octo-org/reviewers'], pr: 12, repo: 'octo-org/app' },
    { reviewers: ['alice'], wait: true, poll: '30s' },
    { reviewers: ['alice'], wait: '2h', mode: 'local', pr: '#12' },
    {},
    { reviewers: ['alice'], branch: 'feature/login' },
  ],
  invalidWith: [
    { reviewers: [] },
    { reviewers: ['alice'], branch: '' },
    { reviewers: 'alice' },
    { reviewers: ['-x'] },
    { reviewers: ['alice'], wait: 'soon' },
    { reviewers: ['alice'], mode: 'cloud' },
    { reviewers: ['alice'], pr: 0 },
    { reviewers: ['alice'], repo: 'no-slash' },
    { reviewers: ['alice'], extra: 1 },
  ],
  success: { with: { reviewers: ['alice'], mode: 'local' } },
  failure: {
    with: { reviewers: ['alice'], mode: 'local' },
    context: {
      requestApproval: async () => ({ approved: false, by: 'bob', reason: 'no', automatic: false }),
    },
  },
  abortable: {
    with: { reviewers: ['alice'], repo: 'octo-org/app', pr: 12, wait: true, poll: '20ms' },
    get context() {
      routeRequested();
      github.route('GET', `${PULL}/reviews`, { status: 200, body: [] });
      return { env: github.env() };
    },
  },
});

describe('request-review on GitHub', () => {
  it('requests the users and teams on the pull request, with the token', async () => {
    routeRequested();
    const { outputs } = await runReview({ reviewers: ['alice', '@bob', 'octo-org/core'] });
    // Only this test's request: a poll of the abortable case before it may still land, late.
    const posted = github.requests.filter((request) => request.method === 'POST');
    expect(posted).toHaveLength(1);
    expect(posted[0]).toMatchObject({
      method: 'POST',
      path: `${PULL}/requested_reviewers`,
      body: { reviewers: ['alice', 'bob'], team_reviewers: ['core'] },
      headers: { authorization: 'token test-token' },
    });
    expect(outputs).toEqual({
      mode: 'github',
      pr: 12,
      reviewers: ['alice', 'bob', 'octo-org/core'],
      url: PULL_URL,
    });
  });

  it('finds the pull request of the current branch and the repository of the origin remote', async () => {
    const dir = await initRepository();
    await git(dir, 'remote', 'add', 'origin', 'git@github.com:octo-org/app.git');
    await git(dir, 'checkout', '--quiet', '-b', 'feature');
    github.route('GET', '/repos/octo-org/app/pulls', { status: 200, body: [{ number: 12 }] });
    routeRequested();
    const ctx = await createTestContext({
      with: { reviewers: ['alice'] },
      env: github.env(),
      workdir: dir,
    });
    const result = await requestReviewAction.run(ctx);
    expect(result?.outputs).toMatchObject({ pr: 12 });
    expect(github.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /repos/octo-org/app/pulls',
      `POST ${PULL}/requested_reviewers`,
    ]);
    expect(github.requests[0]?.query).toMatchObject({ head: 'octo-org:feature', state: 'open' });
  });

  it('finds the pull request of the branch given, whatever is checked out', async () => {
    const dir = await initRepository();
    await git(dir, 'remote', 'add', 'origin', 'git@github.com:octo-org/app.git');
    github.route('GET', '/repos/octo-org/app/pulls', { status: 200, body: [{ number: 12 }] });
    routeRequested();
    const ctx = await createTestContext({
      with: { reviewers: ['alice'], branch: 'feature' },
      env: github.env(),
      workdir: dir,
    });
    await requestReviewAction.run(ctx);
    expect(github.requests[0]?.query).toMatchObject({ head: 'octo-org:feature' });
  });

  it("reports GitHub's reason when a reviewer is not a collaborator (422)", async () => {
    github.route('POST', `${PULL}/requested_reviewers`, {
      status: 422,
      body: {
        message:
          'Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the octo-org/app repository.',
      },
    });
    const error = await runReview({ reviewers: ['mallory'] }).catch((e) => e);
    expect(error).toMatchObject({ code: 'MIA_GITHUB_INVALID', isRetriable: false });
    expect(error.message).toContain('Could not request reviews from mallory on octo-org/app#12');
    expect(error.message).toContain('not a collaborator');
  });

  it.each([
    [401, 'MIA_GITHUB_UNAUTHORIZED'],
    [403, 'MIA_GITHUB_FORBIDDEN'],
    [404, 'MIA_GITHUB_NOT_FOUND'],
  ])('turns a %i answer into %s', async (status, code) => {
    github.route('POST', `${PULL}/requested_reviewers`, { status, body: { message: 'nope' } });
    await expect(runReview({ reviewers: ['alice'] })).rejects.toMatchObject({ code });
  });

  it('waits until a requested reviewer approves, checking again with backoff', async () => {
    routeRequested();
    github.route(
      'GET',
      `${PULL}/reviews`,
      { status: 200, body: [] },
      { status: 200, body: [review('alice', 'COMMENTED', 'looking')] },
      { status: 200, body: [review('alice', 'COMMENTED'), review('alice', 'APPROVED')] },
    );
    const { ctx, outputs } = await runReview({
      reviewers: ['alice', 'bob'],
      wait: '5s',
      poll: '10ms',
    });
    expect(outputs).toMatchObject({ pr: 12, approvedBy: 'alice', reviewers: ['alice', 'bob'] });
    const polls = github.requests.filter((r) => r.method === 'GET');
    expect(polls).toHaveLength(3);
    expect(polls[0]).toMatchObject({ path: `${PULL}/reviews`, query: { per_page: '100' } });
    expect(ctx.written.info).toContain(
      'No approving review on octo-org/app#12 yet; checking again in 10ms.',
    );
    expect(ctx.written.info).toContain(
      'No approving review on octo-org/app#12 yet; checking again in 15ms.',
    );
    expect(ctx.written.info).toContain('alice approved octo-org/app#12.');
  });

  it('ignores approvals from people who were not asked', async () => {
    routeRequested();
    github.route(
      'GET',
      `${PULL}/reviews`,
      { status: 200, body: [review('mallory', 'APPROVED')] },
      { status: 200, body: [review('mallory', 'APPROVED'), review('Alice', 'APPROVED')] },
    );
    const { outputs } = await runReview({ reviewers: ['alice'], wait: true, poll: '10ms' });
    expect(outputs).toMatchObject({ approvedBy: 'Alice' });
  });

  it('fails for good when a reviewer requests changes, quoting their comment', async () => {
    routeRequested();
    github.route('GET', `${PULL}/reviews`, {
      status: 200,
      body: [review('bob', 'APPROVED'), review('alice', 'CHANGES_REQUESTED', 'Please add tests.')],
    });
    const error = await runReview({ reviewers: ['alice', 'bob'], wait: true, poll: '10ms' }).catch(
      (e) => e,
    );
    expect(error).toMatchObject({ code: 'MIA_REVIEW_CHANGES_REQUESTED', isRetriable: false });
    expect(error.message).toBe('alice requested changes on octo-org/app#12: Please add tests.');
  });

  it('waits a 30-day poll interval for 30 days before checking again', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    routeRequested();
    github.route(
      'GET',
      `${PULL}/reviews`,
      { status: 200, body: [] },
      { status: 200, body: [review('alice', 'APPROVED')] },
    );
    const ctx = await createTestContext({
      with: { repo: 'octo-org/app', pr: 12, reviewers: ['alice'], wait: true, poll: '720h' },
      env: github.env(),
    });
    let outputs: Record<string, unknown> | undefined;
    void requestReviewAction.run(ctx).then((result) => {
      outputs = result?.outputs;
    });
    await untilTrue(() => ctx.written.info.some((line) => line.includes('checking again in')));
    await vi.advanceTimersByTimeAsync(25 * 24 * 3_600_000);
    expect(github.requests.filter((r) => r.method === 'GET')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(5 * 24 * 3_600_000);
    await untilTrue(() => outputs !== undefined);
    expect(outputs).toMatchObject({ approvedBy: 'alice' });
    expect(github.requests.filter((r) => r.method === 'GET')).toHaveLength(2);
  });

  it('gives up when no approval comes within the wait', async () => {
    routeRequested();
    github.route('GET', `${PULL}/reviews`, { status: 200, body: [] });
    const error = await runReview({ reviewers: ['alice'], wait: '60ms', poll: '10ms' }).catch(
      (e) => e,
    );
    expect(error).toMatchObject({ code: 'MIA_REVIEW_TIMEOUT' });
    expect(error.message).toBe('No approving review on octo-org/app#12 within 60ms.');
    expect(github.requests.filter((r) => r.method === 'GET').length).toBeGreaterThan(1);
  });

  it('refuses mode github without a token', async () => {
    const error = await runReview(
      { reviewers: ['alice'], mode: 'github' },
      { env: createEnvWithoutGitHub() },
    ).catch((e) => e);
    expect(error).toMatchObject({ code: 'MIA_GITHUB_NO_TOKEN' });
  });
});

describe('request-review without a token', () => {
  it('opens a local review gate and reports who approved', async () => {
    const ctx = await createTestContext({
      with: { reviewers: ['alice', 'bob'] },
      env: createEnvWithoutGitHub(),
      answer: { approved: true, by: 'carol', reason: undefined, automatic: false },
    });
    const result = await requestReviewAction.run(ctx);
    expect(ctx.prompts).toEqual(['Review requested from alice, bob: approve when reviewed']);
    expect(result?.outputs).toEqual({
      mode: 'local',
      approved: true,
      by: 'carol',
      automatic: false,
      reviewers: ['alice', 'bob'],
    });
    expect(github.requests).toHaveLength(0);
  });

  it('uses the local gate with mode local even when a token is set', async () => {
    const ctx = await createTestContext({
      with: { reviewers: ['alice'], mode: 'local' },
      env: github.env(),
    });
    await requestReviewAction.run(ctx);
    expect(ctx.prompts).toHaveLength(1);
    expect(github.requests).toHaveLength(0);
  });

  it('is a local review gate when no reviewers are named, even with a token, and says so', async () => {
    const ctx = await createTestContext({ with: {}, env: github.env() });
    const result = await requestReviewAction.run(ctx);
    expect(ctx.prompts).toEqual(['Review requested: approve when the work has been reviewed']);
    expect(ctx.written.info).toEqual(['No reviewers named: a local review gate, not GitHub.']);
    expect(result?.outputs).toMatchObject({ mode: 'local', approved: true, reviewers: [] });
    expect(github.requests).toHaveLength(0);
  });

  it('fails for good when the local review is rejected', async () => {
    const ctx = await createTestContext({
      with: { reviewers: ['alice'] },
      env: createEnvWithoutGitHub(),
      answer: { approved: false, by: 'alice', reason: 'needs tests', automatic: false },
    });
    await expect(requestReviewAction.run(ctx)).rejects.toMatchObject({
      code: 'MIA_GATE_REJECTED',
      message: 'Rejected by alice: needs tests',
      isRetriable: false,
    });
  });

  it('refuses a reviewer that is not a GitHub login and names it', async () => {
    const ctx = await createTestContext({
      with: { reviewers: ['alice', 'not a login'], mode: 'local' },
    });
    await expect(requestReviewAction.run(ctx)).rejects.toMatchObject({
      code: 'MIA_REVIEW_BAD_REVIEWERS',
      message: 'reviewer "not a login" is not a GitHub login or org/team.',
    });
  });
});
