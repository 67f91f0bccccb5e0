// vitest global setup: the folder tests' worktrees go to (MIA_WORKTREES_DIR) is removed after the run.

import { rm } from 'node:fs/promises';

/** Removes MIA_WORKTREES_DIR once every test has run (each worktree in it is removed by its step). */
export default function setup(): () => Promise<void> {
  return async () => {
    const dir = process.env.MIA_WORKTREES_DIR;
    if (dir) await rm(dir, { recursive: true, force: true });
  };
}
