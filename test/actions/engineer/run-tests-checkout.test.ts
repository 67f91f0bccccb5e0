// run-tests with `branch` or `ref`: the tests run on a merge or a commit in a worktree of its own, never the checkout.

import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTestsAction } from '../../../src/actions/engineer/run-tests.js';
import { createTestContext } from '../../helpers/action-context.js';
import { commitFile, git, initRepository } from '../../helpers/temp-git-repo.js';

const PACKAGE = JSON.stringify({ name: 'app', type: 'module', scripts: { test: 'node --test' } });
const passing = (name: string) => `import test from 'node:test';\ntest('${name}', () => {});\n`;
const failing = (name: string) =>
  `import test from 'node:test';\nimport assert from 'node:assert';\ntest('${name}', () => assert.equal(1, 2));\n`;

/** `main` with a package and a passing test; `feature` adds `feature.test.js`; main checked out. */
async function createRepo(featureTest: string): Promise<string> {
  const dir = await initRepository();
  await commitFile(dir, 'package.json', PACKAGE);
  await commitFile(dir, 'main.test.js', passing('main holds'));
  await git(dir, 'checkout', '--quiet', '-b', 'feature');
  await commitFile(dir, 'feature.test.js', featureTest);
  await git(dir, 'checkout', '--quiet', 'main');
  return dir;
}

async function runIn(dir: string, with_: Record<string, unknown>) {
  const ctx = await createTestContext({ with: with_, workdir: dir, stepId: 'test' });
  const outcome = await runTestsAction.run(ctx).then(
    (result) => ({ outputs: result?.outputs, error: undefined }),
    (error: unknown) => ({ outputs: undefined, error: error as Error & { code?: string } }),
  );
  return { ctx, ...outcome };
}

async function expectCheckoutUntouched(dir: string, main: string) {
  expect(await git(dir, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('main');
  expect(await git(dir, 'rev-parse', 'main')).toBe(main);
  expect(await git(dir, 'status', '--porcelain')).toBe('');
  expect(await git(dir, 'worktree', 'list', '--porcelain')).not.toContain('detached');
}

describe('run-tests with `branch`', () => {
  it("fails on the branch's broken test though the checked-out branch passes, and touches nothing", async () => {
    const dir = await createRepo(failing('feature breaks'));
    const main = await git(dir, 'rev-parse', 'main');
    const { error } = await runIn(dir, { branch: 'feature' });
    expect(error).toMatchObject({ code: 'MIA_TESTS_FAILED' });
    expect(error?.message).toBe('1 test failed: feature breaks');
    expect((error as { outputs?: unknown }).outputs).toMatchObject({
      failed: 1,
      branch: 'feature',
      base: main,
      sha: expect.stringMatching(/^[0-9a-f]{40}$/),
    });
    await expectCheckoutUntouched(dir, main);
  });

  it.each([
    ['an absolute cwd into your checkout', (dir: string) => dir],
    ['a cwd that climbs out of the worktree', () => '../../../../../../..'],
  ])("refuses %s: the tests would run on other files than the merge's", async (_, cwdOf) => {
    const dir = await createRepo(failing('feature breaks'));
    const main = await git(dir, 'rev-parse', 'main');
    const { error } = await runIn(dir, { branch: 'feature', cwd: cwdOf(dir) });
    expect(error).toMatchObject({ code: 'MIA_CHECKOUT_OUTSIDE' });
    expect(error?.message).toMatch(/is outside the worktree of the commit being checked/);
    await expectCheckoutUntouched(dir, main);
  });

  it('outputs the merge commit it tested, built on into and holding the branch', async () => {
    const dir = await createRepo(passing('feature holds'));
    const main = await git(dir, 'rev-parse', 'main');
    const feature = await git(dir, 'rev-parse', 'feature');
    const { outputs, ctx } = await runIn(dir, { branch: 'feature', into: 'main' });
    expect(outputs).toMatchObject({
      passed: 2,
      branch: 'feature',
      into: 'main',
      base: main,
      head: feature,
      alreadyMerged: false,
    });
    const sha = String(outputs?.sha);
    expect(await git(dir, 'rev-list', '--parents', '-n', '1', sha)).toBe(
      `${sha} ${main} ${feature}`,
    );
    expect(await git(dir, 'log', '-1', '--format=%s', sha)).toBe(
      "Merge branch 'feature' into main (mia: test-run/test)",
    );
    expect(ctx.written.info.join('\n')).toContain('No lockfile in the checked-out commit');
    await expectCheckoutUntouched(dir, main);
  });

  it('tests into as it is when the branch is in it already, and says so', async () => {
    const dir = await createRepo(passing('feature holds'));
    await git(dir, 'merge', '--quiet', '--ff-only', 'feature');
    const main = await git(dir, 'rev-parse', 'main');
    const { outputs } = await runIn(dir, { branch: 'feature' });
    expect(outputs).toMatchObject({ sha: main, alreadyMerged: true, passed: 2 });
  });

  it('runs in a worktree under MIA_WORKTREES_DIR, outside the repository, and removes it after', async () => {
    const dir = await createRepo(passing('feature holds'));
    const root = String(process.env.MIA_WORKTREES_DIR);
    const { ctx } = await runIn(dir, { branch: 'feature', command: 'pwd' });
    expect(ctx.written.stdout.trim().startsWith(root)).toBe(true);
    expect(ctx.written.stdout.trim()).toMatch(/\/test-run-test$/);
    const left = await readdir(root, { recursive: true }).catch(() => []);
    expect(left.filter((name) => name.includes('test-run-test'))).toEqual([]);
  });
});

describe('run-tests in a workspace below the top of its repository', () => {
  it('runs in the same folder of the worktree, and installs from the lockfile above it', async () => {
    const dir = await createRepo(passing('feature holds'));
    await commitFile(
      dir,
      'package-lock.json',
      JSON.stringify({
        name: 'app',
        lockfileVersion: 3,
        requires: true,
        packages: { '': { name: 'app' } },
      }),
    );
    await mkdir(join(dir, 'packages/app'), { recursive: true });
    await commitFile(dir, 'packages/app/.keep', '');
    const ctx = await createTestContext({
      with: { ref: 'main', command: 'pwd' },
      workdir: join(dir, 'packages/app'),
      stepId: 'test',
    });
    const result = await runTestsAction.run(ctx);
    expect(ctx.written.stdout.trim()).toMatch(/\/test-run-test\/packages\/app$/);
    expect(result?.outputs).toMatchObject({ installed: 'npm ci --no-audit --no-fund' });
  });
});

describe('run-tests with `ref`', () => {
  it("tests the commit, not the checkout's uncommitted changes", async () => {
    const dir = await createRepo(passing('feature holds'));
    await writeFile(join(dir, 'main.test.js'), failing('an edit not committed'));
    const { outputs, ctx } = await runIn(dir, { ref: 'HEAD' });
    expect(outputs).toMatchObject({
      passed: 1,
      ref: 'HEAD',
      sha: await git(dir, 'rev-parse', 'HEAD'),
    });
    expect(ctx.written.info).toContain(
      'Your checkout has uncommitted changes (main.test.js): they are not part of what is checked; commit them to include them.',
    );
  });

  it('refuses a ref that names no commit, and one that looks like an option', async () => {
    const dir = await createRepo(passing('feature holds'));
    for (const ref of ['v9.9.9', '--output=x']) {
      const { error } = await runIn(dir, { ref });
      expect(error).toMatchObject({ code: 'MIA_CHECKOUT_NO_SUCH_REF' });
    }
  });

  it('refuses `branch` and `ref` together', async () => {
    const dir = await createRepo(passing('feature holds'));
    const { error } = await runIn(dir, { ref: 'HEAD', branch: 'feature' });
    expect(error).toMatchObject({ code: 'MIA_CHECKOUT_BRANCH_AND_REF' });
  });
});

describe('run-tests installing dependencies', () => {
  it('runs npm ci from the lockfile of the checked-out commit, then the tests', async () => {
    const dir = await createRepo(passing('feature holds'));
    await commitFile(
      dir,
      'package-lock.json',
      JSON.stringify({
        name: 'app',
        lockfileVersion: 3,
        requires: true,
        packages: { '': { name: 'app' } },
      }),
    );
    const { outputs, ctx } = await runIn(dir, { ref: 'main' });
    expect(outputs).toMatchObject({ installed: 'npm ci --no-audit --no-fund', passed: 1 });
    expect(ctx.written.info.join('\n')).toContain(
      'Installing dependencies from package-lock.json: npm ci --no-audit --no-fund',
    );
  });

  it('runs the install command given, in the folder the tests run in', async () => {
    const dir = await createRepo(passing('feature holds'));
    const { outputs, ctx } = await runIn(dir, {
      ref: 'main',
      install: 'echo installing > installed.txt',
      command: 'cat installed.txt',
    });
    expect(outputs).toMatchObject({ installed: 'echo installing > installed.txt' });
    expect(ctx.written.stdout).toBe('installing\n');
  });

  it('with install: true, refuses a commit that has no lockfile', async () => {
    const dir = await createRepo(passing('feature holds'));
    const { error } = await runIn(dir, { branch: 'feature', install: true });
    expect(error).toMatchObject({ code: 'MIA_TESTS_NO_LOCKFILE', isRetriable: false });
    expect(error?.message).toContain('package-lock.json');
  });

  it('fails at a failed install, naming the command, before any test runs', async () => {
    const dir = await createRepo(passing('feature holds'));
    const { error, ctx } = await runIn(dir, {
      ref: 'main',
      install: 'echo no registry >&2; exit 3',
      command: 'echo tests ran',
    });
    expect(error).toMatchObject({ code: 'MIA_TESTS_INSTALL_FAILED' });
    expect(error?.message).toBe(
      'Installing dependencies (echo no registry >&2; exit 3) exited with 3: no registry The tests did not run.',
    );
    expect(ctx.written.stdout).not.toContain('tests ran');
  });

  it('never installs into the checkout: install needs branch or ref', async () => {
    const dir = await createRepo(passing('feature holds'));
    const { error } = await runIn(dir, { install: 'touch installed.txt' });
    expect(error).toMatchObject({ code: 'MIA_TESTS_INSTALL_NEEDS_WORKTREE' });
    expect(await git(dir, 'status', '--porcelain', '--untracked-files=all')).toBe('');
  });
});
