// Where step worktrees live, and how leftovers of crashed steps are cleaned up.

import { spawnSync } from 'node:child_process';
import { mkdtemp, stat, writeFile } from 'node:fs/promises';
import { homedir, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addWorktree, getWorktreesRoot, listWorktrees } from '../../src/git/worktrees.js';
import { openGit } from '../../src/github/git.js';
import { git, initRepository } from '../helpers/temp-git-repo.js';

async function openRepo() {
  const dir = await initRepository();
  return {
    dir,
    git: await openGit(dir, process.env),
    root: await git(dir, 'rev-parse', '--show-toplevel'),
  };
}

/** A pid that belonged to a process that has exited. */
function findDeadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(String(child.stdout));
}

describe('getWorktreesRoot', () => {
  it("is the user's cache folder, or the one MIA_WORKTREES_DIR names", () => {
    const cache = {
      darwin: join(homedir(), 'Library/Caches'),
      win32: join(homedir(), 'AppData/Local'),
    }[process.platform as string];
    expect(getWorktreesRoot({})).toBe(
      join(cache ?? join(homedir(), '.cache'), 'mia-workflow/worktrees'),
    );
    if (cache === undefined) {
      expect(getWorktreesRoot({ XDG_CACHE_HOME: '/c' })).toBe('/c/mia-workflow/worktrees');
    }
    expect(getWorktreesRoot({ MIA_WORKTREES_DIR: '/w', XDG_CACHE_HOME: '/c' })).toBe(join('/w'));
  });
});

describe('addWorktree', () => {
  it('checks the commit out, detached and locked in the name of its run and step', async () => {
    const repo = await openRepo();
    const env = { MIA_WORKTREES_DIR: await mkdtemp(join(tmpdir(), 'mia-wt-')) };
    const commit = await git(repo.dir, 'rev-parse', 'HEAD');
    const worktree = await addWorktree(repo.git, {
      repoRoot: repo.root,
      owner: { runId: 'r1', stepId: 'test' },
      commit,
      env,
    });
    expect(worktree.path.startsWith(env.MIA_WORKTREES_DIR)).toBe(true);
    expect(await git(worktree.path, 'rev-parse', 'HEAD')).toBe(commit);
    const listed = (await listWorktrees(repo.git)).find((each) => each.path === worktree.path);
    expect(listed?.locked).toBe(
      `mia-workflow run r1 step test pid ${process.pid} host ${hostname()}`,
    );
    expect(await worktree.remove()).toBeUndefined();
    expect(await listWorktrees(repo.git)).toHaveLength(1);
    await expect(stat(worktree.path)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it("removes the leftovers of a step's crashed attempt and of gone processes, and keeps live ones", async () => {
    const repo = await openRepo();
    const env = { MIA_WORKTREES_DIR: await mkdtemp(join(tmpdir(), 'mia-wt-')) };
    const commit = await git(repo.dir, 'rev-parse', 'HEAD');
    const add = (runId: string, stepId: string) =>
      addWorktree(repo.git, { repoRoot: repo.root, owner: { runId, stepId }, commit, env });
    const crashed = await add('r1', 'test');
    await writeFile(join(crashed.path, 'node_modules.txt'), 'left by the crashed attempt\n');
    const live = await add('r2', 'other');
    const gone = await add('r3', 'other');
    await git(repo.dir, 'worktree', 'unlock', gone.path);
    await git(
      repo.dir,
      'worktree',
      'lock',
      '--reason',
      `mia-workflow run r3 step other pid ${findDeadPid()} host ${hostname()}`,
      gone.path,
    );

    const again = await add('r1', 'test');

    const paths = (await listWorktrees(repo.git)).map((each) => each.path);
    expect(again.path).toBe(crashed.path);
    await expect(stat(join(again.path, 'node_modules.txt'))).rejects.toMatchObject({
      code: 'ENOENT',
    });
    expect(new Set(paths)).toEqual(new Set([repo.root, live.path, again.path]));
  });

  it('says which folder it could not use when MIA_WORKTREES_DIR is a file', async () => {
    const repo = await openRepo();
    const file = join(await mkdtemp(join(tmpdir(), 'mia-wt-')), 'a-file');
    await writeFile(file, '');
    const error = await addWorktree(repo.git, {
      repoRoot: repo.root,
      owner: { runId: 'r1', stepId: 'test' },
      commit: 'HEAD',
      env: { MIA_WORKTREES_DIR: file },
    }).catch((e) => e);
    expect(error).toMatchObject({ code: 'MIA_WORKTREE_FAILED' });
    expect(error.message).toContain(`Could not make a worktree at ${file}/`);
    expect(error.hint).toContain('MIA_WORKTREES_DIR');
  });

  it('refuses a worktrees folder inside the repository', async () => {
    const repo = await openRepo();
    await expect(
      addWorktree(repo.git, {
        repoRoot: repo.root,
        owner: { runId: 'r1', stepId: 'test' },
        commit: 'HEAD',
        env: { MIA_WORKTREES_DIR: join(repo.root, '.mia/worktrees') },
      }),
    ).rejects.toMatchObject({ code: 'MIA_WORKTREE_INSIDE_REPOSITORY' });
  });
});
