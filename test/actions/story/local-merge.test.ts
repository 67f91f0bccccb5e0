import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergePrAction } from '../../../src/actions/story/merge-pr.js';
import { createTestContext } from '../../helpers/action-context.js';
import { createEnvWithoutGitHub } from '../../helpers/fake-github.js';
import {
  commitFile,
  GIT_IDENTITY_ENV,
  git,
  initRepositoryWithFeature,
} from '../../helpers/temp-git-repo.js';

const env = createEnvWithoutGitHub(GIT_IDENTITY_ENV);

async function mergeIn(dir: string, with_: Record<string, unknown>) {
  const ctx = await createTestContext({ with: { mode: 'local', ...with_ }, env, workdir: dir });
  const result = await mergePrAction.run(ctx);
  return result?.outputs;
}

async function snapshot(dir: string) {
  return {
    branch: await git(dir, 'rev-parse', '--abbrev-ref', 'HEAD'),
    head: await git(dir, 'rev-parse', 'HEAD'),
    main: await git(dir, 'rev-parse', 'main'),
    status: await git(dir, 'status', '--porcelain'),
    worktrees: await git(dir, 'worktree', 'list', '--porcelain'),
  };
}

/** `feature` and `main` both change `shared.txt` differently; `feature` is checked out. */
async function createConflict(): Promise<string> {
  const dir = await initRepositoryWithFeature();
  await commitFile(dir, 'shared.txt', 'main version\n');
  await git(dir, 'checkout', '--quiet', 'feature');
  await commitFile(dir, 'shared.txt', 'feature version\n');
  return dir;
}

/** The merge commit of feature into main, made without moving any branch (what a test step makes). */
async function makeTestedCommit(dir: string): Promise<string> {
  return git(dir, 'commit-tree', 'feature^{tree}', '-p', 'main', '-p', 'feature', '-m', 'Tested');
}

describe('merge-pr in local mode, merging a branch', () => {
  it('merges the current branch into main in a worktree of its own: the checkout keeps its branch and files', async () => {
    const dir = await initRepositoryWithFeature();
    await git(dir, 'checkout', '--quiet', 'feature');
    const before = await snapshot(dir);
    const outputs = await mergeIn(dir, {});
    const main = await git(dir, 'rev-parse', 'main');
    expect(outputs).toEqual({
      mode: 'local',
      branch: 'feature',
      into: 'main',
      sha: main,
      merged: true,
      alreadyMerged: false,
      landing: 'ref',
      tested: false,
    });
    expect(await snapshot(dir)).toEqual({ ...before, main });
    expect(await git(dir, 'rev-list', '--parents', '-n', '1', 'main')).toMatch(/^\w+ \w+ \w+$/);
    expect(await git(dir, 'log', '-1', '--format=%s', 'main')).toBe(
      "Merge branch 'feature' into main (mia: test-run/step)",
    );
  });

  it('fast-forwards main in its checkout when main is checked out and clean', async () => {
    const dir = await initRepositoryWithFeature();
    const outputs = await mergeIn(dir, { branch: 'feature' });
    expect(outputs).toMatchObject({ landing: 'fast-forward', alreadyMerged: false });
    expect(await git(dir, 'rev-parse', 'HEAD')).toBe(outputs?.sha);
    expect(await git(dir, 'status', '--porcelain')).toBe('');
    expect(await readFile(join(dir, 'feature.txt'), 'utf8')).toBe('feature\n');
  });

  it('fast-forwards main where another worktree has it checked out', async () => {
    const dir = await initRepositoryWithFeature();
    await git(dir, 'checkout', '--quiet', 'feature');
    const other = join(await mkdtemp(join(tmpdir(), 'mia-other-')), 'main');
    await git(dir, 'worktree', 'add', '--quiet', other, 'main');
    const outputs = await mergeIn(dir, {});
    expect(outputs).toMatchObject({ landing: 'fast-forward' });
    expect(await git(other, 'rev-parse', 'HEAD')).toBe(outputs?.sha);
    expect(await readFile(join(other, 'feature.txt'), 'utf8')).toBe('feature\n');
  });

  it('reports a branch merged already without merging again (a resumed run)', async () => {
    const dir = await initRepositoryWithFeature();
    const first = await mergeIn(dir, { branch: 'feature' });
    const again = await mergeIn(dir, { branch: 'feature' });
    expect(again).toMatchObject({ alreadyMerged: true, sha: first?.sha, landing: 'already' });
    expect(await git(dir, 'rev-list', '--count', 'main')).toBe('3');
  });

  it('squashes the branch into one commit, and reports a second squash as merged', async () => {
    const dir = await initRepositoryWithFeature();
    const outputs = await mergeIn(dir, { branch: 'feature', method: 'squash' });
    expect(await git(dir, 'rev-list', '--parents', '-n', '1', 'main')).toMatch(/^\w+ \w+$/);
    expect(await git(dir, 'log', '-1', '--format=%s', 'main')).toBe(
      "Squash branch 'feature' into main (mia: test-run/step)",
    );
    const again = await mergeIn(dir, { branch: 'feature', method: 'squash' });
    expect(again).toMatchObject({ alreadyMerged: true, sha: outputs?.sha });
  });

  it.each([['merge'], ['squash']])(
    'names the conflicting files of a %s and leaves the repository exactly as before',
    async (method) => {
      const dir = await createConflict();
      const before = await snapshot(dir);
      const error = await mergeIn(dir, { method }).catch((e) => e);
      expect(error).toMatchObject({ code: 'MIA_MERGE_CONFLICT', isRetriable: false });
      expect(error.message).toContain(
        'Merging "feature" into main conflicts in 1 file: shared.txt. Nothing was merged',
      );
      expect(await snapshot(dir)).toEqual(before);
    },
  );

  it('refuses to move main under uncommitted changes in its checkout, and lists them', async () => {
    const dir = await initRepositoryWithFeature();
    await writeFile(join(dir, 'README.md'), 'edited\n');
    const before = await snapshot(dir);
    const error = await mergeIn(dir, { branch: 'feature' }).catch((e) => e);
    expect(error).toMatchObject({ code: 'MIA_MERGE_DIRTY', isRetriable: false });
    expect(error.message).toBe(
      `main is checked out in ${await git(dir, 'rev-parse', '--show-toplevel')} with uncommitted changes (README.md); landing would move it under them.`,
    );
    expect(error.hint).toContain('stash');
    expect(await snapshot(dir)).toEqual(before);
  });

  it('merges while the current branch has uncommitted changes: main is not checked out there', async () => {
    const dir = await initRepositoryWithFeature();
    await git(dir, 'checkout', '--quiet', 'feature');
    await writeFile(join(dir, 'README.md'), 'edited\n');
    await expect(mergeIn(dir, {})).resolves.toMatchObject({ landing: 'ref' });
    expect(await readFile(join(dir, 'README.md'), 'utf8')).toBe('edited\n');
    expect(await git(dir, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('feature');
  });

  it('reports an untracked file in the way of the fast-forward and leaves main where it was', async () => {
    const dir = await initRepositoryWithFeature();
    await writeFile(join(dir, 'feature.txt'), 'mine, untracked\n');
    const before = await snapshot(dir);
    const error = await mergeIn(dir, { branch: 'feature' }).catch((e) => e);
    expect(error).toMatchObject({ code: 'MIA_MERGE_FAILED', isRetriable: false });
    expect(error.message).toContain('feature.txt');
    expect(await snapshot(dir)).toEqual(before);
    expect(await readFile(join(dir, 'feature.txt'), 'utf8')).toBe('mine, untracked\n');
  });

  it('leaves a detached HEAD where it was', async () => {
    const dir = await initRepositoryWithFeature();
    await git(dir, 'checkout', '--quiet', '--detach', 'main');
    const head = await git(dir, 'rev-parse', 'HEAD');
    await expect(mergeIn(dir, { branch: 'feature' })).resolves.toMatchObject({ merged: true });
    expect(await git(dir, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('HEAD');
    expect(await git(dir, 'rev-parse', 'HEAD')).toBe(head);
    expect(await git(dir, 'rev-parse', 'main')).not.toBe(head);
  });

  it.each([['--upload-pack=touch /tmp/pwned'], ['-x'], ['a..b'], ['@{-1}'], ['bad name']])(
    'refuses the branch name %j before running git with it',
    async (branch) => {
      const dir = await initRepositoryWithFeature();
      const error = await mergeIn(dir, { branch }).catch((e) => e);
      expect(error).toMatchObject({ code: 'MIA_MERGE_BAD_BRANCH', isRetriable: false });
      expect(error.message).toBe(`branch ${JSON.stringify(branch)} is not a valid branch name.`);
    },
  );

  it('refuses an into branch that does not exist', async () => {
    const dir = await initRepositoryWithFeature();
    await expect(mergeIn(dir, { branch: 'feature', into: 'release' })).rejects.toMatchObject({
      code: 'MIA_MERGE_NO_SUCH_BRANCH',
      message: 'into "release" is not a local branch.',
    });
  });

  it('says what to do when the current branch is the one it merges into', async () => {
    const dir = await initRepositoryWithFeature();
    await expect(mergeIn(dir, {})).rejects.toMatchObject({
      code: 'MIA_MERGE_SAME_BRANCH',
      message: 'merge-pr merges the current branch into main, and the current branch is main.',
      hint: expect.stringContaining('git switch <branch>'),
    });
  });

  it('refuses rebase in local mode and says what to use instead', async () => {
    const dir = await initRepositoryWithFeature();
    await expect(mergeIn(dir, { branch: 'feature', method: 'rebase' })).rejects.toMatchObject({
      code: 'MIA_MERGE_METHOD_UNSUPPORTED',
      hint: expect.stringContaining('method: squash'),
    });
  });

  it('merges in the repository named by cwd, relative to the workspace', async () => {
    const ctx = await createTestContext({
      with: { mode: 'local', branch: 'feature', cwd: 'repo' },
      env,
    });
    const repo = join(ctx.workdir, 'repo');
    await mkdir(repo);
    await initRepositoryWithFeature(repo);
    await expect(mergePrAction.run(ctx)).resolves.toMatchObject({ outputs: { merged: true } });
    expect(await git(repo, 'rev-list', '--count', 'main')).toBe('3');
  });

  it('says so when the directory is not a git repository', async () => {
    const ctx = await createTestContext({ with: { mode: 'local', branch: 'feature' }, env });
    await expect(mergePrAction.run(ctx)).rejects.toMatchObject({
      code: 'MIA_MERGE_NOT_A_REPOSITORY',
    });
  });
});

describe('merge-pr in local mode, landing a tested commit', () => {
  it('moves main to exactly the tested commit when main is not checked out', async () => {
    const dir = await initRepositoryWithFeature();
    await git(dir, 'checkout', '--quiet', 'feature');
    const sha = await makeTestedCommit(dir);
    const outputs = await mergeIn(dir, { branch: 'feature', sha });
    expect(outputs).toMatchObject({ sha, landing: 'ref', tested: true, alreadyMerged: false });
    expect(await git(dir, 'rev-parse', 'main')).toBe(sha);
    expect(await git(dir, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('feature');
  });

  it('fast-forwards a clean checkout of main to the tested commit, and lands it once', async () => {
    const dir = await initRepositoryWithFeature();
    const sha = await makeTestedCommit(dir);
    await expect(mergeIn(dir, { branch: 'feature', sha })).resolves.toMatchObject({
      landing: 'fast-forward',
    });
    expect(await git(dir, 'rev-parse', 'HEAD')).toBe(sha);
    await expect(mergeIn(dir, { branch: 'feature', sha })).resolves.toMatchObject({
      landing: 'already',
      alreadyMerged: true,
      sha,
    });
  });

  it('refuses, changing nothing, when main moved since the test', async () => {
    const dir = await initRepositoryWithFeature();
    const sha = await makeTestedCommit(dir);
    await commitFile(dir, 'late.txt', 'a commit nobody tested with the feature\n');
    const before = await snapshot(dir);
    const error = await mergeIn(dir, { branch: 'feature', sha }).catch((e) => e);
    expect(error).toMatchObject({ code: 'MIA_MERGE_INTO_MOVED', isRetriable: false });
    expect(error.message).toContain(
      `was built on ${(await git(dir, 'rev-parse', 'main~1')).slice(0, 7)}`,
    );
    expect(error.message).toContain('never checked; nothing was changed');
    expect(error.hint).toContain('mia workflow resume test-run');
    expect(await snapshot(dir)).toEqual(before);
  });

  it('refuses a dirty checkout of main, changing nothing', async () => {
    const dir = await initRepositoryWithFeature();
    const sha = await makeTestedCommit(dir);
    await writeFile(join(dir, 'README.md'), 'edited\n');
    const before = await snapshot(dir);
    await expect(mergeIn(dir, { branch: 'feature', sha })).rejects.toMatchObject({
      code: 'MIA_MERGE_DIRTY',
    });
    expect(await snapshot(dir)).toEqual(before);
  });

  it('refuses to squash-land a tested merge commit: the squash would be untested', async () => {
    const dir = await initRepositoryWithFeature();
    const sha = await makeTestedCommit(dir);
    await expect(mergeIn(dir, { branch: 'feature', sha, method: 'squash' })).rejects.toMatchObject({
      code: 'MIA_MERGE_METHOD_MISMATCH',
      hint: expect.stringContaining('on the step that tested the merge'),
    });
    expect(await git(dir, 'rev-parse', 'main')).not.toBe(sha);
  });

  it('refuses a sha that names no commit', async () => {
    const dir = await initRepositoryWithFeature();
    await expect(mergeIn(dir, { sha: 'deadbeefdeadbeef' })).rejects.toMatchObject({
      code: 'MIA_MERGE_BAD_SHA',
    });
  });

  it('refuses a tested merge commit that does not hold the head it claims', async () => {
    const dir = await initRepositoryWithFeature();
    const other = await git(
      dir,
      'commit-tree',
      'main^{tree}',
      '-p',
      'main',
      '-m',
      'Another branch',
    );
    const sha = await git(
      dir,
      'commit-tree',
      'main^{tree}',
      '-p',
      'main',
      '-p',
      other,
      '-m',
      'Not the feature',
    );
    await expect(
      mergeIn(dir, { sha, head: await git(dir, 'rev-parse', 'feature') }),
    ).rejects.toMatchObject({ code: 'MIA_MERGE_HEAD_NOT_TESTED' });
  });

  it('says so when the branch gained commits since it was tested, and lands only the tested ones', async () => {
    const dir = await initRepositoryWithFeature();
    const head = await git(dir, 'rev-parse', 'feature');
    const sha = await makeTestedCommit(dir);
    await git(dir, 'checkout', '--quiet', 'feature');
    await commitFile(dir, 'untested.txt', 'after the tests\n');
    const ctx = await createTestContext({
      with: { mode: 'local', branch: 'feature', sha, head },
      env,
      workdir: dir,
    });
    await expect(mergePrAction.run(ctx)).resolves.toMatchObject({ outputs: { sha } });
    expect(ctx.written.info.join('\n')).toContain('feature moved since it was tested');
    expect(await git(dir, 'ls-tree', '--name-only', 'main')).not.toContain('untested.txt');
  });
});
