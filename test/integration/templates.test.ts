// The five built-in templates end to end on the demo repository, with `main` checked out: a clean run that lands
// exactly the tested commit, and a broken branch that fails, leaves `main` untouched, then resumes after the fix.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { expandMatrix, formatLegId } from '../../src/definition/matrix.js';
import { createDemoRepository } from '../../src/demo/demo-repo.js';
import { formatDuration } from '../../src/util/duration.js';
import { PACKAGE_ROOT, runMia } from '../helpers/cli.js';
import { eventsFor, parseRunId, readRunEvents, type StoredEvent } from '../helpers/run-files.js';
import { GIT_IDENTITY_ENV, git } from '../helpers/temp-git-repo.js';

/** What each template needs and does, beyond what its YAML says. */
interface TemplateCase {
  name: string;
  inputs: string[];
  /** The run-tests step that a broken test on the branch makes fail. */
  testStep: string;
  /** The merge-pr step that lands the tested merge of `feature` into `main`, if any. */
  mergeStep?: string;
  /** The tag the template puts on the verified commit, if any. */
  tag?: string;
  /** Completed steps a resume checks again because the branch they checked moved (the fix). */
  outdatedByFix?: string[];
}

const TEMPLATES: TemplateCase[] = [
  {
    name: 'feature-delivery',
    inputs: ['branch=feature'],
    testStep: 'test',
    mergeStep: 'integrate',
    outdatedByFix: ['validate'],
  },
  {
    name: 'hotfix-resolution',
    inputs: ['branch=feature'],
    testStep: 'verify',
    mergeStep: 'integrate',
  },
  {
    name: 'refactoring-journey',
    inputs: ['branch=feature'],
    testStep: 'confirm',
    mergeStep: 'integrate',
  },
  {
    name: 'dependency-update',
    inputs: ['branch=feature'],
    testStep: 'test',
    mergeStep: 'integrate',
  },
  { name: 'release-ceremony', inputs: [], testStep: 'verify', tag: 'v1.0.0' },
];

/** No GitHub token (an empty one counts as none), and a git identity for merges and tags. */
const ENV = { ...GIT_IDENTITY_ENV, GITHUB_TOKEN: '', GH_TOKEN: '' };

const BROKEN_TEST_NAME = 'one equals two';
const brokenTest = (expected: number) =>
  `import assert from 'node:assert';\nimport test from 'node:test';\n\ntest('${BROKEN_TEST_NAME}', () => {\n  assert.strictEqual(1 + 1, ${expected});\n});\n`;

interface TemplateStep {
  id: string;
  action: string;
  beat: string;
  depends_on?: string[];
  strategy?: { matrix: unknown };
}

/** The ids of a step's legs (none without a matrix): the matrix expanded as the engine does. */
function listLegs(step: TemplateStep): string[] {
  if (step.strategy === undefined) return [];
  const expanded = expandMatrix(step.id, step.strategy.matrix);
  if ('problems' in expanded) throw new Error(expanded.problems[0]?.message);
  return expanded.matrix.legs.map((leg) => formatLegId(step.id, leg, expanded.matrix.keys));
}

/** The template's steps, each matrix step's legs after it, as status, the chart and resume list them. */
function listRunSteps(template: Template): string[] {
  return template.steps.flatMap((step) => [step.id, ...listLegs(step)]);
}

interface Template {
  narrative: string;
  steps: TemplateStep[];
}

interface Chart {
  status: string;
  outcome: string;
  actions: Array<{ id: string; completed: boolean; order: number }>;
}

async function readTemplate(name: string): Promise<Template> {
  return parse(await readFile(join(PACKAGE_ROOT, 'templates', `${name}.yaml`), 'utf8')) as Template;
}

/** The beat as told: its literal text, with each `${{ }}` replaced by whatever it evaluated to. */
function matchBeat(beat: string): RegExp {
  const literals = beat
    .split(/\$\{\{.*?\}\}/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(literals.join('\\S.*?'));
}

/** Every step downstream of `id`, directly or not. */
function findDownstream(steps: TemplateStep[], id: string): Set<string> {
  const found = new Set<string>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const step of steps) {
      const deps = step.depends_on ?? [];
      if (!found.has(step.id) && deps.some((dep) => dep === id || found.has(dep))) {
        found.add(step.id);
        grew = true;
      }
    }
  }
  return found;
}

function countStarts(events: StoredEvent[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const event of eventsFor(events, 'workflow.step.started')) {
    const id = String(event.payload.stepId);
    counts[id] = (counts[id] ?? 0) + 1;
  }
  return counts;
}

function getBeats(
  events: StoredEvent[],
): Array<{ type: string; description: string; stepId: string | null }> {
  return eventsFor(events, 'beat.created').map(
    (event) => event.payload.beat as { type: string; description: string; stepId: string | null },
  );
}

const repos: string[] = [];

/** The demo repository with `main` checked out: the branch a template merges is not the checked-out one. */
async function createRepo(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mia-template-'));
  repos.push(dir);
  await createDemoRepository(dir);
  await git(dir, 'checkout', '-q', 'main');
  return dir;
}

/** Where each template's change lives: `feature` for the merging ones, `main` (HEAD) for a release. */
function changedBranch(c: TemplateCase): string {
  return c.mergeStep ? 'feature' : 'main';
}

/** Commits the test on the template's branch, then checks `main` out again. */
async function commitTest(repo: string, c: TemplateCase, expected: number, message: string) {
  await git(repo, 'checkout', '-q', changedBranch(c));
  await writeFile(join(repo, 'test/broken.test.js'), brokenTest(expected));
  await git(repo, 'add', 'test/broken.test.js');
  await git(repo, 'commit', '-q', '-m', message);
  await git(repo, 'checkout', '-q', 'main');
}

/** The user's checkout: its branch, its files and the worktrees of the repository. */
async function readCheckout(repo: string) {
  return {
    branch: await git(repo, 'branch', '--show-current'),
    status: await git(repo, 'status', '--porcelain', '--untracked-files=no'),
    worktrees: (await git(repo, 'worktree', 'list', '--porcelain')).split('\n\n').length,
  };
}

async function readRunFiles(repo: string, runId: string) {
  return {
    events: await readRunEvents(repo, runId),
    story: await readFile(join(repo, '.mia/runs', runId, 'story.md'), 'utf8'),
    chart: JSON.parse(await readFile(join(repo, '.mia/stc', `${runId}.json`), 'utf8')) as Chart,
  };
}

/** The run reached its outcome: chart resolved with every step done in order, and git shows it. */
async function expectDelivered(
  repo: string,
  c: TemplateCase,
  template: Template,
  events: StoredEvent[],
  chart: Chart,
) {
  expect(eventsFor(events, 'workflow.completed')).toHaveLength(1);
  expect(chart.status).toBe('resolved');
  expect(chart.outcome).toBe(template.narrative);
  expect(chart.actions.map((a) => [a.id, a.completed, a.order])).toEqual(
    listRunSteps(template).map((id, i) => [id, true, i + 1]),
  );
  expect(await readCheckout(repo)).toEqual({ branch: 'main', status: '', worktrees: 1 });
  const tested = eventsFor(events, 'workflow.step.completed', c.testStep).at(-1)?.payload
    .outputs as { sha: string };
  if (c.mergeStep) {
    const merged = eventsFor(events, 'workflow.step.completed', c.mergeStep).at(-1)?.payload
      .outputs;
    expect(merged).toMatchObject({
      mode: 'local',
      merged: true,
      branch: 'feature',
      into: 'main',
      sha: tested.sha,
      tested: true,
      landing: 'fast-forward',
    });
    expect(await git(repo, 'rev-parse', 'main')).toBe(tested.sha);
    expect(await git(repo, 'log', '-1', '--format=%s', 'main')).toMatch(
      /^Merge branch 'feature' into main/,
    );
    await expect(git(repo, 'merge-base', '--is-ancestor', 'feature', 'main')).resolves.toBe('');
  }
  if (c.tag) {
    expect(await git(repo, 'tag', '--list')).toBe(c.tag);
    expect(await git(repo, 'rev-list', '-n', '1', c.tag)).toBe(tested.sha);
    expect(tested.sha).toBe(await git(repo, 'rev-parse', 'HEAD'));
  }
}

afterAll(async () => {
  await Promise.all(repos.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe.each(TEMPLATES)('the $name template', (c) => {
  const run = (repo: string) =>
    runMia(['workflow', 'run', c.name, ...c.inputs.flatMap((i) => ['--input', i]), '--yes'], {
      cwd: repo,
      env: ENV,
    });

  it('runs to its outcome without credentials, telling each step as its beat and resolving the chart', async () => {
    const template = await readTemplate(c.name);
    const repo = await createRepo();

    const result = await run(repo);

    expect(result.exitCode, result.stderr).toBe(0);
    const runId = parseRunId(result.stdout);
    const { events, story, chart } = await readRunFiles(repo, runId);
    const beats = getBeats(events);
    expect(beats[0]).toMatchObject({ type: 'inciting_incident', description: template.narrative });
    expect(beats.at(-1)?.type).toBe('resolution');
    expect(beats.at(-1)?.description).toContain(template.narrative);
    for (const step of template.steps) {
      const told = beats.filter((beat) => beat.stepId === step.id);
      expect(told, step.id).toHaveLength(1);
      expect(['rising_action', 'climax'], step.id).toContain(told[0]?.type);
      expect(told[0]?.description).toMatch(matchBeat(step.beat));
      expect(told[0]?.description).not.toContain('${{');
      expect(story).toContain(told[0]?.description);
      if (step.action === 'request-review' || step.action === 'merge-pr') {
        expect(
          eventsFor(events, 'workflow.step.completed', step.id)[0]?.payload.outputs,
        ).toMatchObject({
          mode: 'local',
        });
      }
    }
    expect(eventsFor(events, 'workflow.tension')).toEqual([]);
    expect(story).toContain(template.narrative);
    await expectDelivered(repo, c, template, events, chart);
  });

  it('fails at its test step on a broken branch leaving main untouched, then resumes after the fix, checking again only what moved', async () => {
    const template = await readTemplate(c.name);
    const testStep = template.steps.find((s) => s.id === c.testStep);
    expect(testStep?.action).toBe('run-tests');
    const downstream = findDownstream(template.steps, c.testStep);
    const finished = template.steps
      .map((s) => s.id)
      .filter((id) => id !== c.testStep && !downstream.has(id));
    const rechecked = new Set(
      (c.outdatedByFix ?? []).flatMap((id) => [id, ...findDownstream(template.steps, id)]),
    );
    const kept = finished.filter((id) => !rechecked.has(id));
    const repo = await createRepo();
    await commitTest(repo, c, 3, 'A test that cannot pass');
    const mainBefore = await git(repo, 'rev-parse', 'main');

    const failed = await run(repo);

    expect(failed.exitCode, failed.stderr).toBe(1);
    const runId = parseRunId(failed.stdout);
    const first = await readRunFiles(repo, runId);
    const [tension] = eventsFor(first.events, 'workflow.tension', c.testStep);
    expect(eventsFor(first.events, 'workflow.tension')).toHaveLength(1);
    expect(tension?.payload.error).toMatchObject({
      message: expect.stringContaining(BROKEN_TEST_NAME),
    });
    expect(getBeats(first.events)).toContainEqual(
      expect.objectContaining({ type: 'challenge', stepId: c.testStep }),
    );
    for (const id of downstream) {
      expect(eventsFor(first.events, 'workflow.step.skipped', id), id).toHaveLength(1);
      expect(eventsFor(first.events, 'workflow.step.started', id), id).toEqual([]);
    }
    for (const id of finished) {
      expect(eventsFor(first.events, 'workflow.step.completed', id), id).toHaveLength(1);
    }
    expect(first.story).toContain('**Tension**');
    expect(first.story).toContain(BROKEN_TEST_NAME);
    expect(first.chart.status).toBe('active');
    expect(await git(repo, 'log', '--merges', '--format=%s', 'main')).toBe('');
    if (c.mergeStep) expect(await git(repo, 'rev-parse', 'main')).toBe(mainBefore);
    expect(await git(repo, 'tag', '--list')).toBe('');
    expect(await readCheckout(repo)).toEqual({ branch: 'main', status: '', worktrees: 1 });

    await commitTest(repo, c, 2, 'Repair the test');
    const resumed = await runMia(['workflow', 'resume', '--last', '--yes'], {
      cwd: repo,
      env: ENV,
    });

    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(parseRunId(resumed.stdout)).toBe(runId);
    const { events, story, chart } = await readRunFiles(repo, runId);
    const [resumedEvent] = eventsFor(events, 'workflow.resumed');
    // A kept matrix step keeps its legs.
    const keptWithLegs = template.steps
      .filter((step) => kept.includes(step.id))
      .flatMap((step) => [step.id, ...listLegs(step)]);
    expect(resumedEvent?.payload.kept).toEqual(keptWithLegs);
    expect(resumedEvent?.payload.rerun).toEqual(
      listRunSteps(template).filter((id) => !keptWithLegs.includes(id)),
    );
    expect(Object.keys((resumedEvent?.payload.outdated as object) ?? {})).toEqual(
      c.outdatedByFix ?? [],
    );
    const starts = countStarts(events);
    for (const step of template.steps) {
      const ranFirst = step.id === c.testStep || finished.includes(step.id);
      // A matrix step starts as its legs: each as often as the step would.
      const startedAs = listLegs(step)[0] ?? step.id;
      expect(starts[startedAs], step.id).toBe(Number(ranFirst) + Number(!kept.includes(step.id)));
    }
    // What landed (or was tagged) holds the fix: it is the commit the resumed run tested.
    const tested = eventsFor(events, 'workflow.step.completed', c.testStep).at(-1)?.payload
      .outputs as { sha: string };
    expect(await git(repo, 'show', `${tested.sha}:test/broken.test.js`)).toBe(brokenTest(2).trim());
    const transformation = getBeats(events).find((beat) => beat.type === 'transformation');
    expect(transformation?.stepId).toBe(c.testStep);
    expect(transformation?.description).toMatch(matchBeat(testStep?.beat ?? ''));
    const resolution = getBeats(events).at(-1);
    expect(resolution?.type).toBe('resolution');
    // Both sessions count: the failed run's time and the resumed one's.
    const runningMs = [
      ...eventsFor(events, 'workflow.failed'),
      ...eventsFor(events, 'workflow.completed'),
    ].reduce((sum, event) => sum + Number(event.payload.durationMs), 0);
    expect(resolution?.description).toContain(`achieved in ${formatDuration(runningMs)}`);
    expect(story).toContain(`completed in ${formatDuration(runningMs)} over 2 sessions`);
    expect(story, 'no double blank lines between told events').not.toMatch(/\n\n\n/);
    const told = [
      '**Tension**',
      BROKEN_TEST_NAME,
      '*Resumed at',
      'resolved after the run was resumed',
    ].map((text) => story.indexOf(text));
    expect(
      told.every((at) => at >= 0),
      story,
    ).toBe(true);
    expect(told).toEqual([...told].sort((a, b) => a - b));
    await expectDelivered(repo, c, template, events, chart);
  });
});

describe('dependency-update on a repository without its branch', () => {
  it("stops at inventory with git's reason, not with the error of the program its empty output fed", async () => {
    const repo = await createRepo();
    const result = await runMia(['workflow', 'run', 'dependency-update', '--yes'], { cwd: repo });
    expect(result.exitCode).toBe(1);
    const events = await readRunEvents(repo, parseRunId(result.stdout));
    const failed = eventsFor(events, 'workflow.step.failed', 'inventory')[0];
    expect(failed?.payload.error).toMatchObject({
      message: "The command exited with 1: fatal: invalid object name 'refs/heads/deps'.",
    });
  });
});
