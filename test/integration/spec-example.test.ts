// The engine specification's own example (four steps, no `with`), pasted into a workspace, validates and runs.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runMia } from '../helpers/cli.js';
import { createEnvWithoutGitHub } from '../helpers/fake-github.js';
import { eventsFor, parseRunId, readRunEvents } from '../helpers/run-files.js';
import { commitFile, GIT_IDENTITY_ENV, git, initRepository } from '../helpers/temp-git-repo.js';

/** Verbatim from the specification (WorkflowDefinition, "Data"), only un-indented. */
const SPEC_EXAMPLE = `name: feature-delivery
narrative: "A new capability journeys from idea to production"
steps:
  - id: validate
    action: schema-validate
    universe: engineer
    beat: "Validation confirms structural integrity"
  - id: test
    action: run-tests
    universe: engineer
    depends_on: [validate]
    beat: "Tests verify the promise holds"
  - id: review
    action: request-review
    universe: ceremony
    depends_on: [test]
    beat: "Peers gather to witness the work"
  - id: integrate
    action: merge-pr
    universe: story
    depends_on: [review]
    beat: "The feature joins the living codebase"
`;

const ENV = createEnvWithoutGitHub(GIT_IDENTITY_ENV);
const dirs: string[] = [];

afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A package with a passing test on `main`, a `feature` branch checked out, and the example pasted in. */
async function createWorkspace(options: { withPackage: boolean }): Promise<string> {
  const dir = await initRepository(await mkdtemp(join(tmpdir(), 'mia-spec-')));
  dirs.push(dir);
  if (options.withPackage) {
    await commitFile(
      dir,
      'package.json',
      '{ "name": "app", "scripts": { "test": "node --test" } }\n',
    );
    await commitFile(dir, 'sum.test.js', "require('node:test')('adds', () => {});\n");
  }
  await commitFile(dir, '.gitignore', '.mia/runs/\n.mia/stc/\n.stc/\n');
  await git(dir, 'checkout', '--quiet', '-b', 'feature');
  await commitFile(dir, 'feature.txt', 'the feature\n');
  await mkdir(join(dir, '.mia/workflows'), { recursive: true });
  await writeFile(join(dir, '.mia/workflows/feature-delivery.yaml'), SPEC_EXAMPLE);
  return dir;
}

describe("the specification's example, pasted as is", () => {
  it('validates, then runs on a feature branch with --yes and no token, and merges the branch into main', async () => {
    const dir = await createWorkspace({ withPackage: true });
    const feature = await git(dir, 'rev-parse', 'feature');

    const validated = await runMia(['workflow', 'validate', 'feature-delivery'], {
      cwd: dir,
      env: ENV,
    });
    expect(validated.exitCode, validated.stderr + validated.stdout).toBe(0);
    const result = await runMia(['workflow', 'run', 'feature-delivery', '--yes'], {
      cwd: dir,
      env: ENV,
    });

    expect(result.exitCode, result.stderr + result.stdout).toBe(0);
    const events = await readRunEvents(dir, parseRunId(result.stdout));
    const outputs = (id: string) =>
      eventsFor(events, 'workflow.step.completed', id)[0]?.payload.outputs as Record<
        string,
        unknown
      >;
    expect(outputs('validate').checked).toContain('.mia/workflows/feature-delivery.yaml');
    expect(outputs('validate').against).toContainEqual({
      what: 'workflow',
      schema: "mia-workflow's schemas/workflow.schema.json",
      files: 1,
    });
    expect(outputs('test')).toMatchObject({ passed: 1, failed: 0, runner: 'node:test' });
    expect(outputs('review')).toMatchObject({ mode: 'local', approved: true, by: '--yes' });
    expect(outputs('integrate')).toMatchObject({ mode: 'local', branch: 'feature', into: 'main' });
    expect(await git(dir, 'rev-parse', 'main')).toBe(outputs('integrate').sha);
    expect(await git(dir, 'rev-list', '--parents', '-n', '1', 'main')).toMatch(
      new RegExp(` ${feature}$`),
    );
    expect(await git(dir, 'branch', '--show-current')).toBe('feature');
    const told = eventsFor(events, 'beat.created').map(
      (event) => (event.payload.beat as { description: string }).description,
    );
    expect(told.find((text) => text.startsWith('Validation confirms'))).toMatch(/1 workflow/);

    // Run again: the charts the first run wrote are checked too, and the branch is merged already.
    const again = await runMia(['workflow', 'run', 'feature-delivery', '--yes'], {
      cwd: dir,
      env: ENV,
    });
    expect(again.exitCode, again.stderr + again.stdout).toBe(0);
    const second = await readRunEvents(dir, parseRunId(again.stdout));
    const checked = eventsFor(second, 'workflow.step.completed', 'validate')[0]?.payload.outputs;
    expect(
      (checked as { against: Array<{ what: string }> }).against.map((each) => each.what),
    ).toEqual(['workflow', 'STC chart', 'extension chart']);
    expect(
      eventsFor(second, 'workflow.step.completed', 'integrate')[0]?.payload.outputs,
    ).toMatchObject({
      alreadyMerged: true,
    });
  });

  it('stops at the merge with what to do when main itself is checked out', async () => {
    const dir = await createWorkspace({ withPackage: true });
    await git(dir, 'checkout', '--quiet', 'main');
    const main = await git(dir, 'rev-parse', 'main');

    const result = await runMia(['workflow', 'run', 'feature-delivery', '--yes'], {
      cwd: dir,
      env: ENV,
    });

    expect(result.exitCode).toBe(1);
    const events = await readRunEvents(dir, parseRunId(result.stdout));
    expect(eventsFor(events, 'workflow.tension', 'integrate')[0]?.payload.error).toMatchObject({
      code: 'MIA_MERGE_SAME_BRANCH',
      message: 'merge-pr merges the current branch into main, and the current branch is main.',
      hint: expect.stringContaining('git switch <branch>'),
    });
    expect(await git(dir, 'rev-parse', 'main')).toBe(main);
  });

  it('stops at the tests with what to do when the workspace has no package.json', async () => {
    const dir = await createWorkspace({ withPackage: false });

    const result = await runMia(['workflow', 'run', 'feature-delivery', '--yes'], {
      cwd: dir,
      env: ENV,
    });

    expect(result.exitCode).toBe(1);
    const events = await readRunEvents(dir, parseRunId(result.stdout));
    const [tension] = eventsFor(events, 'workflow.tension', 'test');
    expect(tension?.payload.error).toMatchObject({
      code: 'MIA_TESTS_NO_COMMAND',
      message: expect.stringMatching(/^No test command: there is no .*package\.json\.$/),
      hint: expect.stringContaining('with.command'),
    });
    expect(eventsFor(events, 'workflow.step.started', 'integrate')).toEqual([]);
  });
});
