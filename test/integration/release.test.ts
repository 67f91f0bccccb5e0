// release-ceremony tags exactly the commit it verified, with notes from the commits in the release only.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDemoRepository } from '../../src/demo/demo-repo.js';
import { runMia } from '../helpers/cli.js';
import { createEnvWithoutGitHub } from '../helpers/fake-github.js';
import { eventsFor, parseRunId, readRunEvents } from '../helpers/run-files.js';
import { commitFile, GIT_IDENTITY_ENV, git } from '../helpers/temp-git-repo.js';

const ENV = createEnvWithoutGitHub(GIT_IDENTITY_ENV);
const dirs: string[] = [];

afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** The demo repository on `main`, tagged v0.9.0, then two more commits; `feature` holds one more. */
async function createRepo(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mia-release-'));
  dirs.push(dir);
  await createDemoRepository(dir);
  await git(dir, 'checkout', '--quiet', 'main');
  await git(dir, 'tag', '-a', 'v0.9.0', '-m', 'Release v0.9.0');
  await commitFile(dir, 'CHANGELOG.md', '# Changelog\n\n- one\n');
  await commitFile(dir, 'NOTES.md', 'two\n');
  return dir;
}

const release = (dir: string, ...inputs: string[]) =>
  runMia(
    ['workflow', 'run', 'release-ceremony', '--yes', ...inputs.flatMap((i) => ['--input', i])],
    {
      cwd: dir,
      env: ENV,
    },
  );

describe('release-ceremony', () => {
  it('tags the verified commit and tells the notes of the commits in the release only', async () => {
    const dir = await createRepo();

    const result = await release(dir);

    expect(result.exitCode, result.stderr + result.stdout).toBe(0);
    const events = await readRunEvents(dir, parseRunId(result.stdout));
    const verified = eventsFor(events, 'workflow.step.completed', 'verify')[0]?.payload.outputs as {
      sha: string;
    };
    expect(verified.sha).toBe(await git(dir, 'rev-parse', 'HEAD'));
    expect(await git(dir, 'rev-list', '-n', '1', 'v1.0.0')).toBe(verified.sha);
    const notes = eventsFor(events, 'workflow.step.completed', 'notes')[0]?.payload.outputs as {
      stdout: string;
    };
    expect(notes.stdout).toBe('- Write NOTES.md\n- Write CHANGELOG.md');
  });

  it('releases the commit `ref` names, not the checkout', async () => {
    const dir = await createRepo();

    const result = await release(dir, 'ref=feature', 'version=v0.9.1');

    expect(result.exitCode, result.stderr + result.stdout).toBe(0);
    expect(await git(dir, 'rev-list', '-n', '1', 'v0.9.1')).toBe(
      await git(dir, 'rev-parse', 'feature'),
    );
    const events = await readRunEvents(dir, parseRunId(result.stdout));
    const notes = eventsFor(events, 'workflow.step.completed', 'notes')[0]?.payload.outputs as {
      stdout: string;
    };
    expect(notes.stdout).toBe('- Add multiply');
  });

  it('refuses, with a tension and no tag or announcement, a version already tagged on another commit', async () => {
    const dir = await createRepo();
    const old = await git(dir, 'rev-parse', 'HEAD~2');
    await git(dir, 'tag', '-a', 'v1.0.0', '-m', 'An earlier v1.0.0', old);

    const result = await release(dir);

    expect(result.exitCode).toBe(1);
    const events = await readRunEvents(dir, parseRunId(result.stdout));
    const [tension] = eventsFor(events, 'workflow.tension', 'notes');
    expect(tension?.payload.error).toMatchObject({
      message: `The command exited with 1: The tag v1.0.0 already exists at ${old.slice(0, 7)}, not at the verified commit ${(await git(dir, 'rev-parse', 'HEAD')).slice(0, 7)}: release another version, or move the tag (git tag -d v1.0.0) and resume.`,
    });
    for (const step of ['bless', 'tag', 'announce']) {
      expect(eventsFor(events, 'workflow.step.started', step), step).toEqual([]);
    }
    expect(await git(dir, 'rev-list', '-n', '1', 'v1.0.0')).toBe(old);
  });
});
