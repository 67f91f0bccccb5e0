import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

/**
 * Worktrees that steps make go to a temp folder, not the user's cache (tests that check where set
 * their own); npm never reaches the registry (installs in tests use local tarballs only).
 */
const env = {
  MIA_WORKTREES_DIR: join(tmpdir(), `mia-test-worktrees-${process.pid}`),
  npm_config_offline: 'true',
};
process.env.MIA_WORKTREES_DIR = env.MIA_WORKTREES_DIR;

export default defineConfig({
  test: {
    globalSetup: ['test/helpers/worktrees-dir.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          env,
          include: ['test/**/*.test.ts'],
          exclude: ['test/integration/**', 'test/faults/**', 'test/browser/**'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          env,
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          pool: 'forks',
        },
      },
      {
        test: {
          name: 'faults',
          env,
          include: ['test/faults/**/*.test.ts'],
          testTimeout: 90_000,
          hookTimeout: 60_000,
          pool: 'forks',
        },
      },
      {
        test: {
          name: 'browser',
          env,
          include: ['test/browser/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 90_000,
          pool: 'forks',
        },
      },
    ],
  },
});
