import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findGitDir, readHeadCommit } from '../../src/engine/vcs.js';
import { git, initRepository } from '../helpers/temp-git-repo.js';

describe('reading HEAD from .git', () => {
  it('reads the commit of the current branch, from a subdirectory too', async () => {
    const repo = await initRepository();
    const gitDir = await findGitDir(join(repo, 'nested/deeper'));
    expect(gitDir).toBe(join(repo, '.git'));
    expect(await readHeadCommit(gitDir!)).toBe(await git(repo, 'rev-parse', 'HEAD'));
  });

  it('reads packed refs and a detached HEAD', async () => {
    const repo = await initRepository();
    await git(repo, 'pack-refs', '--all');
    const gitDir = join(repo, '.git');
    expect(await readHeadCommit(gitDir)).toBe(await git(repo, 'rev-parse', 'HEAD'));
    await git(repo, 'checkout', '-q', '--detach');
    expect(await readHeadCommit(gitDir)).toBe(await git(repo, 'rev-parse', 'HEAD'));
  });

  it('follows a linked worktree to its commit', async () => {
    const repo = await initRepository();
    const tree = join(await mkdtemp(join(tmpdir(), 'mia-wt-')), 'wt');
    await git(repo, 'worktree', 'add', '-q', '-b', 'side', tree);
    const gitDir = await findGitDir(tree);
    expect(await readHeadCommit(gitDir!)).toBe(await git(tree, 'rev-parse', 'HEAD'));
  });

  it('finds nothing outside a repository and no commit in an empty one', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'mia-nogit-'));
    expect(await findGitDir(empty)).toBeUndefined();
    await git(empty, 'init', '-q');
    expect(await readHeadCommit(join(empty, '.git'))).toBeUndefined();
  });
});
