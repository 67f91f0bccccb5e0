// Real temporary git repositories for tests, with an identity set through the environment.

import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Who commits in test repositories: no global git config needed. */
export const GIT_IDENTITY_ENV: Record<string, string> = {
  GIT_AUTHOR_NAME: 'Mia Test',
  GIT_AUTHOR_EMAIL: 'mia@example.com',
  GIT_COMMITTER_NAME: 'Mia Test',
  GIT_COMMITTER_EMAIL: 'mia@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
};

/** Runs git in `dir` and returns its trimmed stdout. */
export async function git(dir: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('git', args, {
    cwd: dir,
    env: { ...process.env, ...GIT_IDENTITY_ENV },
  });
  return stdout.trim();
}

/** Writes a file and commits it on the current branch. */
export async function commitFile(dir: string, file: string, content: string): Promise<string> {
  await writeFile(join(dir, file), content);
  await git(dir, 'add', file);
  await git(dir, 'commit', '--quiet', '-m', `Write ${file}`);
  return git(dir, 'rev-parse', 'HEAD');
}

/** A repository in `dir` (a fresh temp dir when not given) on `main`, with one commit. */
export async function initRepository(dir?: string): Promise<string> {
  const root = dir ?? (await mkdtemp(join(tmpdir(), 'mia-git-')));
  await git(root, 'init', '--quiet', '-b', 'main');
  await commitFile(root, 'README.md', '# test\n');
  return root;
}

/** `main` plus a `feature` branch with one more commit; `main` checked out again. */
export async function initRepositoryWithFeature(dir?: string): Promise<string> {
  const root = await initRepository(dir);
  await git(root, 'checkout', '--quiet', '-b', 'feature');
  await commitFile(root, 'feature.txt', 'feature\n');
  await git(root, 'checkout', '--quiet', 'main');
  return root;
}
