// Temporary git worktrees where a step prepares and checks a commit, away from the user's checkout.

import { createHash } from 'node:crypto';
import { mkdir, rm, rmdir } from 'node:fs/promises';
import { homedir, hostname } from 'node:os';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import type { SimpleGit } from 'simple-git';
import { MiaError } from '../errors.js';
import { toStepFileStem } from '../store/paths.js';
import { readGitMessage } from './refs.js';

/** The environment variable that moves the worktrees elsewhere. */
export const WORKTREES_DIR_ENV = 'MIA_WORKTREES_DIR';

/** How a worktree's lock reason names the run and step that own it. */
const OWNER_PATTERN = /^mia-workflow run (\S+) step (\S+) pid (\d+) host (\S+)$/;

/** The step a worktree belongs to. */
export interface WorktreeOwner {
  runId: string;
  stepId: string;
}

/** One entry of `git worktree list --porcelain`. */
export interface ListedWorktree {
  path: string;
  /** `refs/heads/<name>` when a branch is checked out there. */
  branch: string | undefined;
  locked: string | undefined;
  /** Its folder is gone. */
  isPrunable: boolean;
}

/** A worktree this process made: its folder, and how to take it away again. */
export interface Worktree {
  path: string;
  /** Removes the folder and git's record of it; never throws (says what failed instead). */
  remove(): Promise<string | undefined>;
}

/**
 * Where worktrees live: `$MIA_WORKTREES_DIR`, else the user's cache folder
 * (`$XDG_CACHE_HOME` or `~/.cache`, `~/Library/Caches` on macOS, `%LOCALAPPDATA%` on Windows),
 * under `mia-workflow/worktrees`: outside every repository, so no test runner, linter or module
 * resolution of the project finds them, or finds the project's files from them.
 */
export function getWorktreesRoot(env: Record<string, string | undefined>): string {
  const chosen = env[WORKTREES_DIR_ENV]?.trim();
  if (chosen) return resolve(chosen);
  const cache =
    process.platform === 'win32'
      ? (env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'))
      : process.platform === 'darwin'
        ? join(homedir(), 'Library', 'Caches')
        : env.XDG_CACHE_HOME?.trim() || join(homedir(), '.cache');
  return join(cache, 'mia-workflow', 'worktrees');
}

/**
 * Checks `commit` out, detached, in a new worktree for `owner` under the worktrees root, locked
 * with a reason naming its owner. Leftovers are removed first: this step's own (a crashed
 * attempt) and any other whose owning process is gone.
 */
export async function addWorktree(
  git: SimpleGit,
  options: {
    repoRoot: string;
    owner: WorktreeOwner;
    commit: string;
    env: Record<string, string | undefined>;
  },
): Promise<Worktree> {
  const root = getWorktreesRoot(options.env);
  if (isInside(root, options.repoRoot)) {
    throw new MiaError(
      'MIA_WORKTREE_INSIDE_REPOSITORY',
      `The worktrees folder ${root} is inside the repository ${options.repoRoot}: the project's own tools would find the copies there.`,
      {
        hint: `Point ${WORKTREES_DIR_ENV} at a folder outside the repository, or unset it.`,
        isRetriable: false,
      },
    );
  }
  const commonDir = resolve(
    options.repoRoot,
    (await git.raw(['rev-parse', '--git-common-dir'])).trim(),
  );
  const repoKey = `${basename(options.repoRoot).replace(/[^\w.-]/g, '_')}-${createHash('sha256').update(commonDir).digest('hex').slice(0, 8)}`;
  // A matrix leg's id is encoded: its values never leave the folder nor break the lock's reason.
  const stem = toStepFileStem(options.owner.stepId);
  const path = join(root, repoKey, `${options.owner.runId}-${stem}`);
  await removeLeftovers(git, options.owner);
  try {
    await mkdir(join(root, repoKey), { recursive: true, mode: 0o700 });
    // A folder git no longer knows (a removal cut short) is in the way of `worktree add`.
    await rm(path, { recursive: true, force: true });
    await git.raw(['worktree', 'add', '--quiet', '--detach', path, options.commit]);
  } catch (error) {
    throw new MiaError(
      'MIA_WORKTREE_FAILED',
      `Could not make a worktree at ${path}: ${readGitMessage(error)}`,
      {
        hint: `Check that ${root} is writable (or set ${WORKTREES_DIR_ENV}), then resume.`,
        cause: error,
      },
    );
  }
  const reason = `mia-workflow run ${options.owner.runId} step ${stem} pid ${process.pid} host ${hostname()}`;
  await git.raw(['worktree', 'lock', '--reason', reason, path]).catch(() => undefined);
  return {
    path,
    remove: async () => {
      const failure = await removeWorktree(git, path);
      // The repository's folder goes too once its last worktree is gone (rmdir refuses otherwise).
      await rmdir(dirname(path)).catch(() => undefined);
      return failure;
    },
  };
}

/** Every worktree of the repository, the main checkout first. */
export async function listWorktrees(git: SimpleGit): Promise<ListedWorktree[]> {
  const text = await git.raw(['worktree', 'list', '--porcelain']);
  return text
    .split('\n\n')
    .map((block) => block.split('\n').filter(Boolean))
    .filter((lines) => lines[0]?.startsWith('worktree '))
    .map((lines) => {
      const field = (name: string) =>
        lines.find((line) => line === name || line.startsWith(`${name} `))?.slice(name.length + 1);
      return {
        path: field('worktree') ?? '',
        branch: field('branch'),
        locked: field('locked'),
        isPrunable: field('prunable') !== undefined,
      };
    });
}

/** The folder where `branch` is checked out, if it is (in the main checkout or another worktree). */
export async function findCheckout(git: SimpleGit, branch: string): Promise<string | undefined> {
  const worktrees = await listWorktrees(git);
  return worktrees.find((each) => each.branch === `refs/heads/${branch}` && !each.isPrunable)?.path;
}

async function removeLeftovers(git: SimpleGit, owner: WorktreeOwner): Promise<void> {
  for (const worktree of await listWorktrees(git)) {
    const found = OWNER_PATTERN.exec(worktree.locked ?? '');
    if (!found) continue;
    const [, runId, stepId, pid, host] = found;
    const isMine = runId === owner.runId && stepId === toStepFileStem(owner.stepId);
    if (isMine || (host === hostname() && !isProcessAlive(Number(pid)))) {
      await removeWorktree(git, worktree.path);
    }
  }
}

async function removeWorktree(git: SimpleGit, path: string): Promise<string | undefined> {
  // Twice --force: the worktree is locked, and may hold untracked files (node_modules).
  const failure = await git.raw(['worktree', 'remove', '--force', '--force', path]).then(
    () => undefined,
    (error: unknown) => readGitMessage(error),
  );
  if (failure === undefined) return undefined;
  await rm(path, { recursive: true, force: true }).catch(() => undefined);
  await git.raw(['worktree', 'prune']).catch(() => undefined);
  const listed = await listWorktrees(git).catch(() => []);
  return listed.some((each) => each.path === path)
    ? `git could not remove the worktree ${path} (${failure}): run \`git worktree remove --force --force ${path}\`.`
    : undefined;
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is someone else's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return (
    rel === '' ||
    (!rel.startsWith(`..${sep}`) && rel !== '..' && !rel.startsWith(sep) && !/^[a-zA-Z]:/.test(rel))
  );
}
