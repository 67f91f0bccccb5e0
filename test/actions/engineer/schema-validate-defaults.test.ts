// schema-validate with no `with` checks the workspace's own structures; with `branch` it checks a merge in a worktree.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { schemaValidateAction } from '../../../src/actions/engineer/schema-validate.js';
import { createTestContext } from '../../helpers/action-context.js';
import { commitFile, git, initRepository } from '../../helpers/temp-git-repo.js';
import { runInWorkspace } from './run-in-workspace.js';

const AT = '2026-12-02T10:00:00.000Z';
const WORKFLOW =
  'name: ship\nnarrative: "It ships"\nsteps:\n  - id: one\n    action: shell\n    with: { run: "true" }\n';
const STC_CHART = JSON.stringify({
  id: 'r1',
  outcome: 'It ships',
  reality: 'Nothing yet',
  createdAt: AT,
  updatedAt: AT,
  actions: [{ id: 'one', title: 'One', reality: 'pending', completed: false, order: 1 }],
  observations: [{ id: 'o1', text: 'Started', timestamp: AT, universe: 'engineer' }],
  status: 'active',
  metadata: { workspace: '/w', session: 'r1' },
});
const EXTENSION_CHART = JSON.stringify({
  id: 'mia-workflow-ship',
  title: 'ship',
  desiredOutcome: 'It ships',
  currentReality: 'Nothing yet',
  actionSteps: [{ id: 'one', description: 'One', completed: false, order: 1 }],
  created: AT,
  modified: AT,
  runId: 'r1',
});

describe('schema-validate with no `with`', () => {
  it("checks the workspace's workflows and charts against the package's schemas and says what it checked", async () => {
    const { ctx, outputs, error } = await runInWorkspace(
      schemaValidateAction,
      {
        '.mia/workflows/ship.yaml': WORKFLOW,
        '.mia/stc/r1.json': STC_CHART,
        '.stc/charts/mia-workflow-ship.json': EXTENSION_CHART,
        'config/other.json': '{"not": "checked"}',
      },
      {},
    );
    expect(error).toBeUndefined();
    expect(outputs).toEqual({
      files: 3,
      checked: [
        '.mia/workflows/ship.yaml',
        '.mia/stc/r1.json',
        '.stc/charts/mia-workflow-ship.json',
      ],
      against: [
        { what: 'workflow', schema: "mia-workflow's schemas/workflow.schema.json", files: 1 },
        { what: 'STC chart', schema: "mia-workflow's schemas/stc-chart.schema.json", files: 1 },
        {
          what: 'extension chart',
          schema: "mia-workflow's schemas/stc-extension-chart.schema.json",
          files: 1,
        },
      ],
    });
    expect(ctx.written.info.at(-1)).toBe(
      'Checked 1 workflow, 1 STC chart, 1 extension chart: each holds its shape.',
    );
  });

  it('names the file, line and pointer of a workflow that breaks the schema', async () => {
    const { error } = await runInWorkspace(
      schemaValidateAction,
      { '.mia/workflows/ship.yaml': `${WORKFLOW}stepz: []\n` },
      {},
    );
    expect(error).toMatchObject({ code: 'MIA_SCHEMA_INVALID' });
    expect(error?.message).toBe(
      '.mia/workflows/ship.yaml does not match mia-workflow\'s schemas/workflow.schema.json:\n  .mia/workflows/ship.yaml:7 /: must NOT have additional properties: "stepz"',
    );
  });

  it('says what it looked for, and what to set, when the workspace has none of its structures', async () => {
    const { error } = await runInWorkspace(schemaValidateAction, { 'a.json': '{}' }, {});
    expect(error).toMatchObject({ code: 'MIA_SCHEMA_NO_FILES', isRetriable: false });
    expect(error?.message).toContain(
      '.mia/workflows/*.yaml, .mia/workflows/*.yml, .mia/stc/*.json, .stc/charts/*.json',
    );
    expect(error?.hint).toContain('`with.schema` and `with.files`');
  });
});

describe('schema-validate with `branch`', () => {
  it("validates the merge's files in a worktree: the branch's broken config fails though the checkout's is valid", async () => {
    const dir = await initRepository();
    await commitFile(dir, 'schema.json', '{"type":"object","required":["port"]}');
    await commitFile(dir, 'config.json', '{"port": 1}');
    await git(dir, 'checkout', '--quiet', '-b', 'feature');
    await commitFile(dir, 'config.json', '{"host": "x"}');
    await git(dir, 'checkout', '--quiet', 'main');
    const ctx = await createTestContext({
      with: { schema: 'schema.json', files: 'config.json', branch: 'feature' },
      workdir: dir,
    });
    const error = await schemaValidateAction.run(ctx).catch((e) => e);
    expect(error).toMatchObject({ code: 'MIA_SCHEMA_INVALID' });
    expect(error.message).toContain("config.json:1 /: must have required property 'port'");
    expect(ctx.written.info[0]).toMatch(
      /^Checking feature \(\w{7}\) merged into main \(\w{7}\) as \w{7}, in /,
    );
    expect(await readFile(join(dir, 'config.json'), 'utf8')).toBe('{"port": 1}');
    expect(await git(dir, 'status', '--porcelain')).toBe('');
    expect(await git(dir, 'worktree', 'list')).not.toContain('\n');
  });
});
