import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ActionRegistry } from '../../src/actions/registry.js';
import { type LoadOptions, loadWorkflow } from '../../src/definition/load.js';
import { planWorkflow } from '../../src/definition/loaded-workflow.js';
import { findWorkflow } from '../../src/definition/lookup.js';
import { reuseDefinitionRecord, serializeDefinitionRecord } from '../../src/definition/record.js';
import type { ResolvedWorkflow } from '../../src/definition/types.js';
import { DefinitionError } from '../../src/errors.js';
import { createFakeRegistry, createWorkspace, yaml } from './fixtures.js';

let workspace: Awaited<ReturnType<typeof createWorkspace>>;
let options: LoadOptions;
beforeEach(async () => {
  workspace = await createWorkspace();
  options = { workspace: workspace.root, registry: createFakeRegistry() };
  await workspace.writeWorkflow('base', BASE);
  await workspace.writeWorkflow('top', TOP);
});
afterEach(() => workspace.cleanup());

const BASE = yaml(
  'name: base',
  'narrative: Base',
  'steps:',
  '  - { id: a, action: shell, with: { run: "true" } }',
);
const TOP = yaml(
  'name: top',
  'extends: base',
  'steps:',
  '  - { id: b, action: wait, depends_on: [a], with: { for: 1s } }',
);

/** Loads `name` from its files and returns it with its record, as written and read back. */
async function loadRecorded(name: string) {
  const loaded = await loadWorkflow(name, options);
  const text = serializeDefinitionRecord(loaded);
  if (text === undefined) throw new Error('no record');
  return {
    loaded,
    workflow: loaded.workflow,
    recorded: JSON.parse(text) as Record<string, unknown>,
  };
}

/** A record as parsed JSON, for tests that damage it. */
type RecordJson = {
  layers: unknown[];
  plan: { dependents: unknown; order?: unknown };
  workflow: { steps: unknown };
};

const reuse = async (recorded: unknown, name = 'top') =>
  reuseDefinitionRecord(recorded, await findWorkflow(name, workspace.root), options);

describe('reuseDefinitionRecord', () => {
  it('gives back the recorded workflow and its plan when nothing it was made from changed', async () => {
    const { loaded, workflow, recorded } = await loadRecorded('top');
    const reused = await reuse(recorded);
    expect(reused?.workflow).toEqual(JSON.parse(JSON.stringify(workflow)));
    expect(reused?.workflow.steps.map((step) => [step.id, step.hash])).toEqual(
      workflow.steps.map((step) => [step.id, step.hash]),
    );
    expect(reused?.plan).toEqual(loaded.plan);
    expect(reused?.provenance).toEqual(loaded.provenance);
    expect(reused?.isReused).toBe(true);
    expect(loaded.isReused).toBe(false);
  });

  it.each([
    ['the workflow file changed by one byte', () => workspace.writeWorkflow('top', `${TOP} `)],
    [
      'the file it extends changed',
      () => workspace.writeWorkflow('base', BASE.replace('"true"', '"false"')),
    ],
    ['the file it extends is gone', () => rm(join(workspace.root, '.mia/workflows/base.yaml'))],
  ])('gives nothing when %s', async (_, change) => {
    const { recorded } = await loadRecorded('top');
    await change();
    expect(await reuse(recorded)).toBeUndefined();
  });

  it('gives nothing when extends now finds another file (a workspace file shadows the template)', async () => {
    await workspace.writeWorkflow(
      'greeting',
      yaml('name: greeting', 'extends: hello-world', 'steps: [{ id: greet, beat: Hi }]'),
    );
    const { recorded } = await loadRecorded('greeting');
    expect(await reuse(recorded, 'greeting')).toBeDefined();
    await workspace.writeWorkflow(
      'hello-world',
      yaml(
        'name: hello-world',
        'narrative: Mine',
        'steps: [{ id: greet, action: shell, with: { run: x } }]',
      ),
    );
    expect(await reuse(recorded, 'greeting')).toBeUndefined();
  });

  it('gives nothing for other actions, another build, another format or another file', async () => {
    const { recorded } = await loadRecorded('top');
    const registry = new ActionRegistry([...createFakeRegistry().list()]);
    registry.register({ name: 'extra', universes: ['story'], run: async () => ({}) });
    expect(
      await reuseDefinitionRecord(recorded, await findWorkflow('top', workspace.root), {
        ...options,
        registry,
      }),
    ).toBeUndefined();
    expect(await reuse({ ...recorded, build: 'another build' })).toBeUndefined();
    expect(await reuse({ ...recorded, format: 2 })).toBeUndefined();
    expect(await reuse(recorded, 'base')).toBeUndefined();
    expect(await reuse(null)).toBeUndefined();
    expect(await reuse('not a record')).toBeUndefined();
  });
});

describe('loadWorkflow with a record', () => {
  it('checks the files again once they changed, and reports their problems', async () => {
    const { recorded } = await loadRecorded('top');
    await workspace.writeWorkflow('top', TOP.replace('action: wait', 'action: wiat'));
    const load = loadWorkflow('top', { ...options, recorded });
    await expect(load).rejects.toThrow(DefinitionError);
    await expect(load).rejects.toThrow(/Unknown action "wiat" in step "b"/);
  });

  it.each([
    ['lists no file', (r: RecordJson) => Object.assign(r, { layers: [] })],
    ['has a plan of the wrong shape', (r: RecordJson) => (r.plan.dependents = 5)],
    ['has no plan order', (r: RecordJson) => delete r.plan.order],
    ['drops a dependent from its plan', (r: RecordJson) => (r.plan.dependents = [])],
    [
      'holds a step its plan does not order',
      (r: RecordJson) => {
        const steps = r.workflow.steps as Array<{ id: string }>;
        steps.push({ ...steps[0]!, id: 'extra' });
      },
    ],
    ['holds steps that are not a list', (r: RecordJson) => (r.workflow.steps = {})],
  ])('loads the files in full when the record %s', async (_, damage) => {
    const { recorded } = await loadRecorded('top');
    damage(recorded as unknown as RecordJson);
    const { workflow, plan, isReused } = await loadWorkflow('top', { ...options, recorded });
    expect(isReused).toBe(false);
    expect(workflow.steps.map((step) => step.id)).toEqual(['a', 'b']);
    expect(plan.dependents.get('a')).toEqual(['b']);
  });

  it('reuses the record when the files are unchanged', async () => {
    const { recorded } = await loadRecorded('top');
    const { workflow, isReused } = await loadWorkflow('top', { ...options, recorded });
    expect(isReused).toBe(true);
    expect(workflow.steps.map((step) => step.id)).toEqual(['a', 'b']);
  });
});

describe('serializeDefinitionRecord', () => {
  it('records nothing for a workflow that was not loaded from files', async () => {
    const { workflow } = await loadRecorded('top');
    expect(serializeDefinitionRecord(planWorkflow(workflow))).toBeUndefined();
  });

  it('records nothing when a value would not survive JSON (a non-finite number)', async () => {
    const { loaded, workflow } = await loadRecorded('top');
    const step = workflow.steps[0] as ResolvedWorkflow['steps'][number];
    step.with = { ...step.with, limit: Number.POSITIVE_INFINITY };
    expect(serializeDefinitionRecord(loaded)).toBeUndefined();
  });
});
