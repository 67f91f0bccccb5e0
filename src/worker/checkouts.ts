// A worker's checkouts: one git worktree per commit it runs steps at, kept in its repository's
// git directory (never in its working tree, which stays as its user left it) and reused.

import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { MiaError } from '../errors.js';

/** Makes and reuses the worktrees of the repository at `repoDir`. */
export class CommitCheckouts {
  readonly #repoDir: string;
  readonly #ready = new Map<string, Promise<string>>();
  /** Worktrees are added one at a time: git locks its worktree list. */
  #chain: Promise<unknown> = Promise.resolve();

  constructor(repoDir: string) {
    this.#repoDir = repoDir;
  }

  /** The path of a worktree at `commit`, fetching the commit from `origin` when it is missing. */
  prepare(commit: string): Promise<string> {
    let ready = this.#ready.get(commit);
    if (ready === undefined) {
      ready = this.#chain.then(() => this.#add(commit));
      this.#chain = ready.catch(() => undefined);
      this.#ready.set(commit, ready);
      // A failure (a commit not yet pushed) is tried again by the next step at that commit.
      ready.catch(() => this.#ready.delete(commit));
    }
    return ready;
  }

  async #add(commit: string): Promise<string> {
    if (!/^[0-9a-f]{40,64}$/.test(commit))
      throw createUnavailableError(commit, 'it is not a commit id');
    const commonDir = await this.#git(['rev-parse', '--path-format=absolute', '--git-common-dir']);
    const dir = join(commonDir.stdout, 'mia-worker', commit);
    if (await exists(join(dir, '.git'))) return dir;
    if (!(await this.#hasCommit(commit))) {
      const fetched = await this.#git(['fetch', '--quiet', 'origin', commit]);
      if (fetched.exitCode !== 0) await this.#git(['fetch', '--quiet', 'origin']);
      if (!(await this.#hasCommit(commit))) {
        const why = fetched.stderr.trim().split('\n').at(-1) ?? 'origin does not have it';
        throw createUnavailableError(commit, `fetching it from origin failed: ${why}`);
      }
    }
    await this.#git(['worktree', 'prune']);
    const added = await this.#git(['worktree', 'add', '--detach', '--force', dir, commit]);
    if (added.exitCode !== 0)
      throw createUnavailableError(commit, `git worktree add failed: ${added.stderr.trim()}`);
    return dir;
  }

  async #hasCommit(commit: string): Promise<boolean> {
    return (await this.#git(['cat-file', '-e', `${commit}^{commit}`])).exitCode === 0;
  }

  #git(args: string[]) {
    return execa('git', args, { cwd: this.#repoDir, reject: false, stripFinalNewline: true });
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function createUnavailableError(commit: string, why: string): MiaError {
  return new MiaError(
    'MIA_WORKER_COMMIT_UNAVAILABLE',
    `This worker cannot run the step at commit ${commit.slice(0, 12)}: ${why}.`,
    {
      hint: 'Push the commit to the origin the workers fetch from (or run without --queue), then resume the run.',
      isRetriable: false,
    },
  );
}
