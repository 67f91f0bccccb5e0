// On resume, a completed check is outdated when the branches it merged (or the ref it checked) moved since.

import { describe, expect, it } from 'vitest';
import { findCheckoutChange } from '../../../src/actions/engineer/checkout.js';
import { commitFile, git, initRepositoryWithFeature } from '../../helpers/temp-git-repo.js';

/** A repository and the outputs a merge check of feature into main would have recorded. */
async function checkedMerge() {
  const dir = await initRepositoryWithFeature();
  const base = await git(dir, 'rev-parse', 'main');
  const head = await git(dir, 'rev-parse', 'feature');
  const sha = await git(
    dir,
    'commit-tree',
    'feature^{tree}',
    '-p',
    base,
    '-p',
    head,
    '-m',
    'Merge',
  );
  const outputs = { sha, branch: 'feature', into: 'main', base, head, alreadyMerged: false };
  const check = () => findCheckoutChange({ outputs, workdir: dir, env: process.env });
  return { dir, sha, check };
}

describe('findCheckoutChange', () => {
  it('keeps a check whose branches have not moved', async () => {
    const { check } = await checkedMerge();
    expect(await check()).toBeUndefined();
  });

  it('finds a check outdated when the branch gained commits', async () => {
    const { dir, check } = await checkedMerge();
    await git(dir, 'checkout', '--quiet', 'feature');
    await commitFile(dir, 'fix.txt', 'the fix\n');
    expect(await check()).toMatch(/^feature moved since the check: \w{7} → \w{7}$/);
  });

  it('finds a check outdated when into moved', async () => {
    const { dir, check } = await checkedMerge();
    await commitFile(dir, 'late.txt', 'late\n');
    expect(await check()).toMatch(/^main moved since the check: \w{7} → \w{7}$/);
  });

  it('keeps a check whose commit landed, even once the branch is deleted', async () => {
    const { dir, sha, check } = await checkedMerge();
    await git(dir, 'merge', '--quiet', '--ff-only', sha);
    await git(dir, 'branch', '-D', 'feature');
    expect(await check()).toBeUndefined();
  });

  it('finds a ref check outdated when the ref names another commit', async () => {
    const { dir } = await checkedMerge();
    const sha = await git(dir, 'rev-parse', 'main');
    const check = () =>
      findCheckoutChange({ outputs: { sha, ref: 'main' }, workdir: dir, env: process.env });
    expect(await check()).toBeUndefined();
    await commitFile(dir, 'late.txt', 'late\n');
    expect(await check()).toMatch(/^main moved since the check/);
  });

  it('keeps steps that checked the workspace itself (no commit recorded)', async () => {
    const { dir } = await checkedMerge();
    expect(
      await findCheckoutChange({ outputs: { passed: 3 }, workdir: dir, env: process.env }),
    ).toBeUndefined();
  });
});
