// Landing what was tested, through the CLI on real repositories: into moves only to the tested commit.

import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { createDemoRepository } from '../../src/demo/demo-repo.js';
import { runMia } from '../helpers/cli.js';
import { createEnvWithoutGitHub, startFakeGitHub } from '../helpers/fake-github.js';
import { isEvent, startLiveRun } from '../helpers/live-run.js';
import { eventsFor, parseRunId, readRunEvents, type StoredEvent } from '../helpers/run-files.js';
import { commitFile, GIT_IDENTITY_ENV, git } from '../helpers/temp-git-repo.js';

const ENV = createEnvWithoutGitHub(GIT_IDENTITY_ENV);
const dirs: string[] = [];
const github = await startFakeGitHub();

afterAll(async () => {
  await github.close();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function createRepo(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mia-landing-'));
  dirs.push(dir);
  await createDemoRepository(dir);
  await git(dir, 'checkout', '--quiet', 'main');
  return dir;
}

function outputsOf(events: StoredEvent[], stepId: string): Record<string, unknown> {
  return (eventsFor(events, 'workflow.step.completed', stepId).at(-1)?.payload.outputs ??
    {}) as Record<string, unknown>;
}

function tensionOf(events: StoredEvent[], stepId: string) {
  return eventsFor(events, 'workflow.tension', stepId).at(-1)?.payload.error as
    | { code: string; message: string; hint?: string }
    | undefined;
}

describe('landing locally', () => {
  it('refuses to land when into moved after the test, then a resume tests the new merge and lands it', async () => {
    const repo = await createRepo();
    const run = startLiveRun(['workflow', 'run', 'feature-delivery'], { cwd: repo, env: ENV });
    await run.waitForEvents(isEvent('workflow.step.waiting', 'review'));
    const late = await commitFile(repo, 'CHANGELOG.md', '# Changelog\n\n- a late change on main\n');
    const runId = run.runId() ?? '';
    const approved = await runMia(['workflow', 'approve', runId, 'review'], {
      cwd: repo,
      env: ENV,
    });
    expect(approved.exitCode, approved.stderr).toBe(0);

    expect((await run.child).exitCode).toBe(1);
    const events = await readRunEvents(repo, runId);
    expect(tensionOf(events, 'integrate')).toMatchObject({
      code: 'MIA_MERGE_INTO_MOVED',
      message: expect.stringContaining('never checked; nothing was changed'),
    });
    expect(await git(repo, 'rev-parse', 'main')).toBe(late);

    const resumed = await runMia(['workflow', 'resume', runId, '--yes'], { cwd: repo, env: ENV });

    expect(resumed.exitCode, resumed.stderr + resumed.stdout).toBe(0);
    expect(resumed.stdout).toMatch(/checked again: validate \(main moved since the check/);
    const after = await readRunEvents(repo, runId);
    const tested = outputsOf(after, 'test').sha;
    expect(await git(repo, 'rev-parse', 'main')).toBe(tested);
    expect(await git(repo, 'rev-parse', 'main^1')).toBe(late);
    expect(await git(repo, 'rev-parse', 'main^2')).toBe(await git(repo, 'rev-parse', 'feature'));
  });

  it('refuses to move a checkout of into that has uncommitted changes, and leaves them be', async () => {
    const repo = await createRepo();
    const main = await git(repo, 'rev-parse', 'main');
    await writeFile(join(repo, 'CHANGELOG.md'), '# Changelog\n\n- work in progress\n');

    const result = await runMia(['workflow', 'run', 'feature-delivery', '--yes'], {
      cwd: repo,
      env: ENV,
    });

    expect(result.exitCode).toBe(1);
    const events = await readRunEvents(repo, parseRunId(result.stdout));
    expect(outputsOf(events, 'test')).toMatchObject({ passed: 2 });
    expect(tensionOf(events, 'integrate')).toMatchObject({
      code: 'MIA_MERGE_DIRTY',
      message: expect.stringContaining('with uncommitted changes (CHANGELOG.md)'),
    });
    expect(await git(repo, 'rev-parse', 'main')).toBe(main);
    expect(await readFile(join(repo, 'CHANGELOG.md'), 'utf8')).toBe(
      '# Changelog\n\n- work in progress\n',
    );
  });

  it('moves into as a ref when it is not checked out, leaving the checkout on its branch and files', async () => {
    const repo = await createRepo();
    await git(repo, 'checkout', '--quiet', 'feature');
    await writeFile(join(repo, 'CHANGELOG.md'), '# Changelog\n\n- work in progress\n');

    const result = await runMia(
      ['workflow', 'run', 'hotfix-resolution', '--input', 'branch=feature', '--yes'],
      {
        cwd: repo,
        env: ENV,
      },
    );

    expect(result.exitCode, result.stderr + result.stdout).toBe(0);
    const events = await readRunEvents(repo, parseRunId(result.stdout));
    expect(outputsOf(events, 'integrate')).toMatchObject({ landing: 'ref', tested: true });
    expect(await git(repo, 'rev-parse', 'main')).toBe(outputsOf(events, 'verify').sha);
    expect(await git(repo, 'branch', '--show-current')).toBe('feature');
    expect(await git(repo, 'status', '--porcelain')).toBe('M CHANGELOG.md');
  });
});

describe('a customized template', () => {
  it('squashes when the step that makes the commit squashes, and lands that tested commit', async () => {
    const repo = await createRepo();
    await mkdir(join(repo, '.mia/workflows'), { recursive: true });
    await writeFile(
      join(repo, '.mia/workflows/feature-delivery.yaml'),
      `name: feature-delivery
narrative: "A new capability journeys from idea to production, squashed"
extends: feature-delivery
remove: [review]
steps:
  - id: validate
    with: { method: squash }
  - id: integrate
    depends_on: [test]
    with: { method: squash }
`,
    );

    const result = await runMia(['workflow', 'run', 'feature-delivery', '--yes'], {
      cwd: repo,
      env: ENV,
    });

    expect(result.exitCode, result.stderr + result.stdout).toBe(0);
    const events = await readRunEvents(repo, parseRunId(result.stdout));
    expect(await git(repo, 'rev-parse', 'main')).toBe(outputsOf(events, 'test').sha);
    expect(await git(repo, 'log', '-1', '--format=%P%n%s', 'main')).toMatch(
      /^\w+\nSquash branch 'feature' into main/,
    );
  });
});

describe('dependency-update', () => {
  /** A package depending on `dep` from a local tarball, with a test that the installed dep is the declared one. */
  async function createDependencyRepo(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'mia-deps-'));
    dirs.push(dir);
    await mkdir(join(dir, 'vendor'));
    const source = await mkdtemp(join(tmpdir(), 'mia-dep-src-'));
    dirs.push(source);
    const npm = (cwd: string, ...args: string[]) =>
      execa('npm', args, { cwd, env: { npm_config_offline: 'true' } });
    const declare = async (version: string) => {
      await writeFile(join(source, 'package.json'), JSON.stringify({ name: 'dep', version }));
      await npm(source, 'pack', '--silent', '--pack-destination', join(dir, 'vendor'));
      const manifest = {
        name: 'app',
        scripts: { test: 'node --test' },
        dependencies: { dep: `file:vendor/dep-${version}.tgz` },
      };
      await writeFile(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
      await npm(dir, 'install', '--package-lock-only', '--no-audit', '--no-fund');
    };
    await writeFile(join(dir, '.gitignore'), 'node_modules/\n.mia/\n');
    await writeFile(
      join(dir, 'dep.test.js'),
      "const test = require('node:test');\nconst assert = require('node:assert');\nconst declared = require('./package.json').dependencies.dep.match(/dep-(.*)\\.tgz$/)[1];\ntest('the installed dep is the declared one', () => assert.strictEqual(require('dep/package.json').version, declared));\n",
    );
    await declare('1.0.0');
    await git(dir, 'init', '--quiet', '-b', 'main');
    await git(dir, 'add', '.');
    await git(dir, 'commit', '--quiet', '-m', 'An app on dep 1.0.0');
    await npm(dir, 'ci', '--no-audit', '--no-fund');
    await git(dir, 'checkout', '--quiet', '-b', 'deps');
    await declare('2.0.0');
    await git(dir, 'add', '.');
    await git(dir, 'commit', '--quiet', '-m', 'dep 2.0.0');
    await git(dir, 'checkout', '--quiet', 'main');
    return dir;
  }

  it("installs the branch's updated dependencies from its lockfile before testing them, never in the checkout", async () => {
    const repo = await createDependencyRepo();

    const result = await runMia(['workflow', 'run', 'dependency-update', '--yes'], {
      cwd: repo,
      env: ENV,
    });

    expect(result.exitCode, result.stderr + result.stdout).toBe(0);
    const events = await readRunEvents(repo, parseRunId(result.stdout));
    expect(outputsOf(events, 'test')).toMatchObject({
      installed: 'npm ci --no-audit --no-fund',
      passed: 1,
      failed: 0,
    });
    expect(await git(repo, 'rev-parse', 'main')).toBe(outputsOf(events, 'test').sha);
    const installed = JSON.parse(
      await readFile(join(repo, 'node_modules/dep/package.json'), 'utf8'),
    );
    expect(installed.version).toBe('1.0.0');
  });
});

describe('landing on GitHub', () => {
  const PULLS = '/repos/octo-org/app/pulls';

  /** Runs feature-delivery with a token, against a pull request whose head is `pickHead(repo)`. */
  async function runWithPullHead(pickHead: (repo: string) => Promise<string>) {
    const repo = await createRepo();
    const headSha = await pickHead(repo);
    await git(repo, 'remote', 'add', 'origin', 'git@github.com:octo-org/app.git');
    github.reset();
    github.route('GET', PULLS, { status: 200, body: [{ number: 12 }] });
    github.route('POST', `${PULLS}/12/requested_reviewers`, {
      status: 201,
      body: { html_url: 'https://x/12' },
    });
    github.route('GET', `${PULLS}/12`, {
      status: 200,
      body: {
        number: 12,
        state: 'open',
        merged: false,
        head: { sha: headSha, ref: 'feature' },
        base: { ref: 'main' },
      },
    });
    github.route('PUT', `${PULLS}/12/merge`, {
      status: 200,
      body: { sha: 'c'.repeat(40), merged: true },
    });
    const result = await runMia(['workflow', 'run', 'feature-delivery', '--yes'], {
      cwd: repo,
      env: { ...ENV, ...github.env() },
    });
    return { repo, result, events: await readRunEvents(repo, parseRunId(result.stdout)) };
  }

  it('merges the pull request pinned to the head that was tested', async () => {
    const { repo, result, events } = await runWithPullHead((dir) =>
      git(dir, 'rev-parse', 'feature'),
    );
    const head = await git(repo, 'rev-parse', 'feature');

    expect(result.exitCode, result.stderr + result.stdout).toBe(0);
    expect(outputsOf(events, 'validate').head).toBe(head);
    const merge = github.requests.find((request) => request.method === 'PUT');
    expect(merge?.body).toMatchObject({ sha: head, merge_method: 'merge' });
  });

  it('refuses, without merging, a pull request whose head is not the commit tested', async () => {
    const { repo, result, events } = await runWithPullHead(async () => 'f'.repeat(40));

    expect(result.exitCode).toBe(1);
    expect(tensionOf(events, 'integrate')).toMatchObject({ code: 'MIA_MERGE_HEAD_MOVED' });
    expect(github.requests.some((request) => request.method === 'PUT')).toBe(false);
    expect(await git(repo, 'log', '--merges', '--format=%s', 'main')).toBe('');
  });
});

describe('worktrees of interrupted and crashed runs', () => {
  /** A workflow whose merge test holds (sleeps) while the file `hold` exists, after touching `ready`. */
  async function createHeldRun() {
    const repo = await createRepo();
    const hold = join(repo, '.mia/hold');
    const ready = join(repo, '.mia/ready');
    await mkdir(join(repo, '.mia/workflows'), { recursive: true });
    await writeFile(hold, '');
    await writeFile(
      join(repo, '.mia/workflows/held.yaml'),
      `name: held
narrative: "A test that takes its time"
steps:
  - id: test
    action: run-tests
    with:
      branch: feature
      command: "if [ -e '${hold}' ]; then touch '${ready}'; sleep 30; fi; npm test"
`,
    );
    const run = startLiveRun(['workflow', 'run', 'held'], { cwd: repo, env: ENV });
    await run.waitForEvents(isEvent('workflow.step.started', 'test'));
    await waitForFile(ready);
    return { repo, run, hold };
  }

  async function countWorktrees(repo: string): Promise<number> {
    return (await git(repo, 'worktree', 'list', '--porcelain')).split('\n\n').length;
  }

  it('removes the worktree of a step stopped by SIGINT', async () => {
    const { repo, run } = await createHeldRun();
    expect(await countWorktrees(repo)).toBe(2);

    run.child.kill('SIGINT');

    expect((await run.child).exitCode).toBe(130);
    expect(await countWorktrees(repo)).toBe(1);
  });

  it('removes the worktree a SIGKILL left behind when the run is resumed', async () => {
    const { repo, run, hold } = await createHeldRun();
    const [left] = (await git(repo, 'worktree', 'list', '--porcelain'))
      .split('\n\n')
      .slice(1)
      .map((block) => block.split('\n')[0]?.slice('worktree '.length));

    run.child.kill('SIGKILL');
    await run.child;
    expect(await countWorktrees(repo)).toBe(2);
    await rm(hold);
    const resumed = await runMia(['workflow', 'resume', '--last'], { cwd: repo, env: ENV });

    expect(resumed.exitCode, resumed.stderr + resumed.stdout).toBe(0);
    expect(await countWorktrees(repo)).toBe(1);
    await expect(readFile(join(String(left), 'package.json'))).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });
});

async function waitForFile(path: string): Promise<void> {
  const giveUpAt = Date.now() + 20_000;
  while (
    !(await readFile(path).then(
      () => true,
      () => false,
    ))
  ) {
    if (Date.now() > giveUpAt) throw new Error(`${path} never appeared`);
    await new Promise((done) => setTimeout(done, 50));
  }
}
