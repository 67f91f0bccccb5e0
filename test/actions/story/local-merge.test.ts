import { mkdir, writeFile } from 'node:fs/promises';
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

describe('merge-pr in local mode', () => {
  it('merges the branch with a merge commit and returns to the original branch', async () => {
    const dir = await initRepositoryWithFeature();
    await git(dir, 'checkout', '--quiet', 'feature');
    const outputs = await mergeIn(dir, {});
    const main = await git(dir, 'rev-parse', 'main');
    expect(outputs).toEqual({
      mode: 'local',
      branch: 'feature',
      into: 'main',
      sha: main,
      merged: true,
      alreadyMerged: false,
    });
    expect(await git(dir, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('feature');
    expect(await git(dir, 'rev-list', '--parents', '-n', '1', 'main')).toMatch(/^\w+ \w+ \w+$/);
    expect(await git(dir, 'log', '-1', '--format=%s', 'main')).toBe(
      "Merge branch 'feature' into main (mia: test-run/step)",
    );
  });

  it('reports a branch merged already without merging again (a resumed run)', async () => {
    const dir = await initRepositoryWithFeature();
    const first = await mergeIn(dir, { branch: 'feature' });
    const again = await mergeIn(dir, { branch: 'feature' });
    expect(again).toMatchObject({ alreadyMerged: true, sha: first?.sha, merged: true });
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

  it('aborts a conflicting merge, names the files and leaves the repository exactly as before', async () => {
    const dir = await createConflict();
    const before = await snapshot(dir);
    const error = await mergeIn(dir, {}).catch((e) => e);
    expect(error).toMatchObject({ code: 'MIA_MERGE_CONFLICT', isRetriable: false });
    expect(error.message).toContain('Merging "feature" conflicts in 1 file: shared.txt.');
    expect(await snapshot(dir)).toEqual(before);
    expect(before.status).toBe('');
  });

  it('aborts a conflicting squash and leaves the repository exactly as before', async () => {
    const dir = await createConflict();
    const before = await snapshot(dir);
    await expect(mergeIn(dir, { method: 'squash' })).rejects.toMatchObject({
      code: 'MIA_MERGE_CONFLICT',
    });
    expect(await snapshot(dir)).toEqual(before);
  });

  it('refuses to merge over uncommitted changes and lists them', async () => {
    const dir = await initRepositoryWithFeature();
    await writeFile(join(dir, 'README.md'), 'edited\n');
    const before = await snapshot(dir);
    const error = await mergeIn(dir, { branch: 'feature' }).catch((e) => e);
    expect(error).toMatchObject({ code: 'MIA_MERGE_DIRTY', isRetriable: false });
    expect(error.message).toBe('The working tree has uncommitted changes: README.md.');
    expect(error.hint).toContain('stash');
    expect(await snapshot(dir)).toEqual(before);
  });

  it('leaves untracked files alone (the run writes its own under .mia/)', async () => {
    const dir = await initRepositoryWithFeature();
    await writeFile(join(dir, 'notes.txt'), 'scratch\n');
    await expect(mergeIn(dir, { branch: 'feature' })).resolves.toMatchObject({ merged: true });
  });

  it('reports an untracked file in the way as a failed merge and restores the repository', async () => {
    const dir = await initRepositoryWithFeature();
    await writeFile(join(dir, 'feature.txt'), 'mine, untracked\n');
    const before = await snapshot(dir);
    const error = await mergeIn(dir, { branch: 'feature' }).catch((e) => e);
    expect(error).toMatchObject({ code: 'MIA_MERGE_FAILED', isRetriable: false });
    expect(error.message).toContain('feature.txt');
    expect(await snapshot(dir)).toEqual(before);
  });

  it('returns to a detached HEAD after merging', async () => {
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

  it('refuses to merge the current branch into itself', async () => {
    const dir = await initRepositoryWithFeature();
    await expect(mergeIn(dir, {})).rejects.toMatchObject({
      code: 'MIA_MERGE_SAME_BRANCH',
      message: 'Cannot merge branch "main" into itself.',
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
