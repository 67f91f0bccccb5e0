// `npm run demo` (scripts/demo.mjs): the feature-delivery template on a throwaway repository, with
// its dashboard and without credentials, whatever GitHub token the environment holds; off a
// terminal it ends with the run.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../helpers/cli.js';
import { git } from '../helpers/temp-git-repo.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('npm run demo', () => {
  it('delivers the feature with the dashboard, no credentials and no git config, even with a GitHub token set, and ends off a terminal', async () => {
    // A machine where git knows nobody: no global or system config.
    const home = await mkdtemp(join(tmpdir(), 'mia-demo-home-'));
    dirs.push(home);
    const result = await execa(process.execPath, [join(PACKAGE_ROOT, 'scripts/demo.mjs')], {
      cwd: PACKAGE_ROOT,
      env: {
        NO_COLOR: '1',
        HOME: home,
        GIT_CONFIG_GLOBAL: join(home, 'no-gitconfig'),
        GIT_CONFIG_NOSYSTEM: '1',
        GITHUB_TOKEN: 'ghp_a_token_of_the_user',
        GH_TOKEN: 'gho_another_one',
        // Were the token used, GitHub would be this closed port: never the network.
        GITHUB_API_URL: 'http://127.0.0.1:9',
      },
      stdin: 'ignore',
      reject: false,
    });
    const dir = /^demo repository: (.+)$/m.exec(result.stdout)?.[1] ?? '';
    if (dir) dirs.push(dir);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain(
      'GITHUB_TOKEN and GH_TOKEN ignored: the demo runs without credentials',
    );
    expect(result.stdout).toMatch(/^dashboard http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+$/m);
    expect(result.stdout).toContain('completed in');
    expect(result.stdout).toContain(
      `Read the story: node bin/mia.js workflow story --last -C ${dir}`,
    );
    // The feature landed on main.
    await git(dir, 'merge-base', '--is-ancestor', 'feature', 'main');
  });
});
