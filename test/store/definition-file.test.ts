import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadWorkflow } from '../../src/definition/load.js';
import { planWorkflow } from '../../src/definition/loaded-workflow.js';
import { readDefinitionFile, writeDefinitionFile } from '../../src/store/definition-file.js';
import { getRunDir } from '../../src/store/paths.js';
import { createFakeRegistry, createWorkspace, yaml } from '../definition/fixtures.js';

const RUN_ID = '20261123-120000-abcdef';
let workspace: Awaited<ReturnType<typeof createWorkspace>>;
beforeEach(async () => {
  workspace = await createWorkspace();
  await mkdir(getRunDir(workspace.root, RUN_ID), { recursive: true });
  await workspace.writeWorkflow(
    'demo',
    yaml(
      'name: demo',
      'narrative: Demo',
      'steps:',
      '  - { id: a, action: shell, with: { run: x } }',
    ),
  );
});
afterEach(() => workspace.cleanup());

describe('the definition file of a run', () => {
  it('is written for a workflow loaded from files and reused by the next load', async () => {
    const options = { workspace: workspace.root, registry: createFakeRegistry() };
    const loaded = await loadWorkflow('demo', options);
    await writeDefinitionFile(workspace.root, RUN_ID, loaded);
    expect(await readdir(getRunDir(workspace.root, RUN_ID))).toEqual(['definition.json']);
    const recorded = await readDefinitionFile(workspace.root, RUN_ID);
    const reloaded = await loadWorkflow('demo', { ...options, recorded });
    expect(reloaded.isReused).toBe(true);
    expect(reloaded.workflow.steps).toEqual(JSON.parse(JSON.stringify(loaded.workflow.steps)));
  });

  it('is not written for a workflow built in memory', async () => {
    const options = { workspace: workspace.root, registry: createFakeRegistry() };
    const { workflow } = await loadWorkflow('demo', options);
    await writeDefinitionFile(workspace.root, RUN_ID, planWorkflow(workflow));
    expect(existsSync(join(getRunDir(workspace.root, RUN_ID), 'definition.json'))).toBe(false);
  });

  it('is not written when it would hold what the masker hides (credentials in a URL)', async () => {
    await workspace.writeWorkflow(
      'leaky',
      yaml(
        'name: leaky',
        'narrative: Leaky',
        'steps:',
        '  - { id: a, action: shell, with: { run: "git clone https://me:pw123456@example.com/r" } }',
      ),
    );
    const options = { workspace: workspace.root, registry: createFakeRegistry() };
    await writeDefinitionFile(workspace.root, RUN_ID, await loadWorkflow('leaky', options));
    expect(await readdir(getRunDir(workspace.root, RUN_ID))).toEqual([]);
  });

  it('reads as nothing when missing or torn', async () => {
    expect(await readDefinitionFile(workspace.root, RUN_ID)).toBeUndefined();
    await writeFile(join(getRunDir(workspace.root, RUN_ID), 'definition.json'), '{"format":1,"bu');
    expect(await readDefinitionFile(workspace.root, RUN_ID)).toBeUndefined();
  });
});
