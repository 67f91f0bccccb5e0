// `mia workflow init` and customized templates: copies that override, renamed copies, and `extends`.

import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createDemoRepository } from '../../src/demo/demo-repo.js';
import { runMia } from '../helpers/cli.js';
import { eventsFor, parseRunId, readRunEvents } from '../helpers/run-files.js';
import { GIT_IDENTITY_ENV, git } from '../helpers/temp-git-repo.js';

const ENV = { ...GIT_IDENTITY_ENV, GITHUB_TOKEN: '', GH_TOKEN: '' };

interface PlanStep {
  id: string;
  action: string;
  universe: string;
  beat: string | null;
  dependsOn: string[];
  timeoutMs: number | null;
}

interface Plan {
  name: string;
  narrative: string;
  extends: string | null;
  order: string[];
  criticalPath: string[];
  steps: PlanStep[];
}

interface ListEntry {
  name: string;
  kind: string;
  overrides: boolean;
}

const dirs: string[] = [];

async function createRepo(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mia-init-'));
  dirs.push(dir);
  await createDemoRepository(dir);
  return dir;
}

const mia = (cwd: string, ...args: string[]) => runMia(['workflow', ...args], { cwd, env: ENV });

async function showJson(cwd: string, name: string): Promise<Plan> {
  const result = await mia(cwd, 'show', name, '--format', 'json');
  expect(result.exitCode, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Plan;
}

const findStep = (plan: Plan, id: string) => plan.steps.find((step) => step.id === id);

afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('mia workflow init', () => {
  it('copies a template into the workspace, where it overrides the template and its edits show in the plan', async () => {
    const repo = await createRepo();
    const path = join(repo, '.mia/workflows/feature-delivery.yaml');

    const created = await mia(repo, 'init', 'feature-delivery');

    expect(created.exitCode, created.stderr).toBe(0);
    expect(created.stdout).toContain('.mia/workflows/feature-delivery.yaml');
    expect(parse(await readFile(path, 'utf8'))).toMatchObject({ name: 'feature-delivery' });
    const listed = await mia(repo, 'ls');
    expect(listed.stdout).toMatch(/^feature-delivery\s+\(workspace, overrides template\)/m);
    const entries = JSON.parse((await mia(repo, 'ls', '--json')).stdout) as ListEntry[];
    expect(entries.filter((e) => e.name === 'feature-delivery')).toEqual([
      expect.objectContaining({ kind: 'workspace', overrides: true }),
      expect.objectContaining({ kind: 'template', overrides: false }),
    ]);

    const text = await readFile(path, 'utf8');
    expect(text).toContain('beat: "Peers gather to witness the work"');
    await writeFile(
      path,
      `${text.replace('Peers gather to witness the work', 'The whole team reads every line')}  - id: announce
    action: shell
    universe: story
    depends_on: [integrate]
    beat: "The town hears of the new capability"
    with:
      run: echo "delivered"
`,
    );

    const shown = await mia(repo, 'show', 'feature-delivery');
    expect(shown.exitCode, shown.stderr).toBe(0);
    expect(shown.stdout).toContain('beat: The whole team reads every line');
    expect(shown.stdout).not.toContain('Peers gather');
    expect(shown.stdout).toMatch(
      /announce\s+shell \(story\) · shell (bash|sh) \(default\) · after integrate/,
    );
    expect(shown.stdout).toContain(
      'Critical path: validate -> test -> review -> integrate -> announce',
    );
    const plan = await showJson(repo, 'feature-delivery');
    expect(plan.order).toEqual(['validate', 'test', 'review', 'integrate', 'announce']);
    expect(findStep(plan, 'review')?.beat).toBe('The whole team reads every line');
    expect(findStep(plan, 'announce')).toMatchObject({
      action: 'shell',
      universe: 'story',
      beat: 'The town hears of the new capability',
      dependsOn: ['integrate'],
    });
  });

  it('creates a new workflow under the name given with --as, beside the template it copies', async () => {
    const repo = await createRepo();

    const created = await mia(repo, 'init', 'feature-delivery', '--as', 'my-flow');

    expect(created.exitCode, created.stderr).toBe(0);
    expect(created.stdout).toContain('.mia/workflows/my-flow.yaml');
    const text = await readFile(join(repo, '.mia/workflows/my-flow.yaml'), 'utf8');
    expect(parse(text)).toMatchObject({ name: 'my-flow' });
    const entries = JSON.parse((await mia(repo, 'ls', '--json')).stdout) as ListEntry[];
    expect(entries.find((e) => e.name === 'my-flow')).toMatchObject({
      kind: 'workspace',
      overrides: false,
    });
    expect(entries.find((e) => e.name === 'feature-delivery')).toMatchObject({ kind: 'template' });
    const plan = await showJson(repo, 'my-flow');
    expect(plan.name).toBe('my-flow');
    expect(plan.order).toEqual(['validate', 'test', 'review', 'integrate']);
  });

  it('refuses to overwrite a workflow it already created, and says to use --as or --force', async () => {
    const repo = await createRepo();
    const path = join(repo, '.mia/workflows/feature-delivery.yaml');
    expect((await mia(repo, 'init', 'feature-delivery')).exitCode).toBe(0);
    await writeFile(path, `${await readFile(path, 'utf8')}# my edits\n`);

    const again = await mia(repo, 'init', 'feature-delivery');

    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain('.mia/workflows/feature-delivery.yaml already exists');
    expect(again.stderr).toContain('--as');
    expect(again.stderr).toContain('--force');
    expect(await readFile(path, 'utf8')).toContain('# my edits');
  });

  it('rejects an unknown template, suggesting the closest name and listing the templates', async () => {
    const repo = await createRepo();

    const typo = await mia(repo, 'init', 'feature-delivry');
    const unknown = await mia(repo, 'init', 'no-such-template');

    expect(typo.exitCode).toBe(2);
    expect(typo.stderr).toContain('Did you mean "feature-delivery"?');
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('There is no built-in template "no-such-template"');
    expect(unknown.stderr).toMatch(/Templates: .*feature-delivery.*release-ceremony/);
    await expect(readFile(join(repo, '.mia/workflows/no-such-template.yaml'))).rejects.toThrow();
  });
});

describe('a workflow that extends a template', () => {
  const LEAN_DELIVERY = `name: lean-delivery
narrative: "A small feature reaches main without a ceremony"
extends: feature-delivery
remove: [review]
steps:
  - id: test
    beat: "The tests are run once, quickly"
    timeout: 2m
  - id: integrate
    depends_on: [announce]
  - id: announce
    action: shell
    universe: story
    depends_on: [test]
    beat: "The feature is announced before it lands"
    with:
      run: echo "delivering \${{ inputs.branch }}"
`;

  it('plans the template with its steps patched, added and removed, and runs it to completion', async () => {
    const repo = await createRepo();
    await mkdir(join(repo, '.mia/workflows'), { recursive: true });
    await writeFile(join(repo, '.mia/workflows/lean-delivery.yaml'), LEAN_DELIVERY);

    const plan = await showJson(repo, 'lean-delivery');

    expect(plan).toMatchObject({
      name: 'lean-delivery',
      narrative: 'A small feature reaches main without a ceremony',
      extends: 'feature-delivery',
    });
    expect(plan.order).toEqual(['validate', 'test', 'announce', 'integrate']);
    expect(findStep(plan, 'review')).toBeUndefined();
    expect(findStep(plan, 'test')).toMatchObject({
      action: 'run-tests',
      universe: 'engineer',
      beat: 'The tests are run once, quickly',
      dependsOn: ['validate'],
      timeoutMs: 120_000,
    });
    expect(findStep(plan, 'announce')).toMatchObject({
      action: 'shell',
      universe: 'story',
      dependsOn: ['test'],
    });
    expect(findStep(plan, 'integrate')).toMatchObject({
      action: 'merge-pr',
      beat: 'The feature joins the living codebase',
      dependsOn: ['announce'],
    });

    const result = await mia(repo, 'run', 'lean-delivery', '--input', 'branch=feature', '--yes');

    expect(result.exitCode, result.stderr).toBe(0);
    const events = await readRunEvents(repo, parseRunId(result.stdout));
    expect(eventsFor(events, 'workflow.step.completed').map((e) => e.payload.stepId)).toEqual([
      'validate',
      'test',
      'announce',
      'integrate',
    ]);
    const beats = eventsFor(events, 'beat.created').map(
      (e) => (e.payload.beat as { description: string }).description,
    );
    expect(beats.some((beat) => beat.startsWith('The tests are run once, quickly'))).toBe(true);
    expect(eventsFor(events, 'workflow.completed')).toHaveLength(1);
    expect(await git(repo, 'log', '-1', '--format=%s', 'main')).toMatch(
      /^Merge branch 'feature' into main/,
    );
    expect(await git(repo, 'branch', '--show-current')).toBe('feature');
  });
});
