// The repository both sides of a queue share: its id (from its first commit, the same in every
// clone), the commit a coordinator dispatches, and where its workspace sits inside it.

import { createHash } from 'node:crypto';
import { relative } from 'node:path';
import { execa } from 'execa';
import { MiaError } from '../errors.js';

/** What a coordinator dispatches: the repository's id, its commit, the workspace's place in it. */
export interface DispatchedRepository {
  repoId: string;
  commit: string;
  /** The workspace relative to the repository's root ('' at the root). */
  workspacePath: string;
  /** Tracked files with uncommitted changes (dispatched anyway with --allow-dirty). */
  dirtyFiles: string[];
}

async function git(cwd: string, args: string[]): Promise<string> {
  const result = await execa('git', args, { cwd, reject: false, stripFinalNewline: true });
  if (result.exitCode !== 0) {
    throw new MiaError(
      'MIA_QUEUE_NOT_A_REPOSITORY',
      `Steps can run on workers only in a git repository with a commit (the coordinator's and each worker's clone of it): git ${args.join(' ')} failed in ${cwd}: ${result.stderr.trim()}`,
      {
        hint: 'Run from a checkout of the repository the workers have cloned (with at least one commit), or run without --queue.',
        isRetriable: false,
      },
    );
  }
  return result.stdout;
}

/** The id of the repository at `dir`: a hash of its first commit, the same in all its clones. */
export async function readRepoId(dir: string): Promise<string> {
  const roots = (await git(dir, ['rev-list', '--max-parents=0', 'HEAD'])).split('\n').sort();
  return `r${createHash('sha256').update(roots.join('\n')).digest('hex').slice(0, 12)}`;
}

/**
 * The commit a coordinator at `workspace` dispatches. Uncommitted changes to tracked files are
 * refused unless `allowDirty` (workers would run the commit, not the files on this disk).
 */
export async function readDispatchedRepository(
  workspace: string,
  allowDirty: boolean,
): Promise<DispatchedRepository> {
  const root = await git(workspace, ['rev-parse', '--show-toplevel']);
  const commit = await git(workspace, ['rev-parse', 'HEAD']);
  const status = await git(workspace, ['status', '--porcelain', '--untracked-files=no']);
  const dirtyFiles = status
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => line.slice(3));
  if (dirtyFiles.length > 0 && !allowDirty) {
    const shown =
      dirtyFiles.slice(0, 5).join(', ') +
      (dirtyFiles.length > 5 ? `, and ${dirtyFiles.length - 5} more` : '');
    throw new MiaError(
      'MIA_QUEUE_DIRTY',
      `Workers run the commit ${commit.slice(0, 12)}, but tracked files have uncommitted changes: ${shown}.`,
      {
        hint: 'Commit (or stash) them so that workers run what you see, or pass --allow-dirty to run the last commit anyway.',
        isRetriable: false,
      },
    );
  }
  return {
    repoId: await readRepoId(workspace),
    commit,
    workspacePath: relative(root, workspace),
    dirtyFiles,
  };
}

/**
 * Why the commit may not reach the workers: it is on no branch of `origin` (as last fetched), or
 * undefined when it is, or when there is no origin.
 */
export async function findUnpublishedCommit(
  workspace: string,
  commit: string,
): Promise<string | undefined> {
  const remotes = await git(workspace, ['remote']);
  if (!remotes.split('\n').includes('origin')) return undefined;
  const on = await git(workspace, ['branch', '-r', '--contains', commit]).catch(() => '');
  if (on.split('\n').some((line) => line.trim().startsWith('origin/'))) return undefined;
  return `The commit ${commit.slice(0, 12)} is on no branch of origin (as last fetched): workers that lack it cannot fetch it. Push it first.`;
}
