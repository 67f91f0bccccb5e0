import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  findTemplate,
  findWorkflow,
  isFileRef,
  listWorkflows,
} from '../../src/definition/lookup.js';
import { TEMPLATES_DIR } from '../../src/definition/package-paths.js';
import { UsageError, WorkflowNotFoundError } from '../../src/errors.js';
import { createWorkspace, yaml } from './fixtures.js';

let workspace: Awaited<ReturnType<typeof createWorkspace>>;
beforeEach(async () => {
  workspace = await createWorkspace();
});
afterEach(() => workspace.cleanup());

const VALID = yaml('name: mine', 'narrative: Mine', 'steps: [{ id: a, action: shell }]');

describe('findWorkflow', () => {
  it('finds a built-in template by name', async () => {
    expect(await findWorkflow('hello-world', workspace.root)).toEqual({
      kind: 'template',
      path: join(TEMPLATES_DIR, 'hello-world.yaml'),
    });
  });

  it('prefers the workspace file over the template of the same name', async () => {
    const path = await workspace.writeWorkflow('hello-world', VALID);
    expect(await findWorkflow('hello-world', workspace.root)).toEqual({ kind: 'workspace', path });
  });

  it('finds a .yml file when there is no .yaml one', async () => {
    const path = await workspace.write('.mia/workflows/mine.yml', VALID);
    expect(await findWorkflow('mine', workspace.root)).toEqual({ kind: 'workspace', path });
  });

  it('reads a .yaml ref as a file relative to the workspace', async () => {
    const path = await workspace.write('flows/mine.yaml', VALID);
    expect(await findWorkflow('flows/mine.yaml', workspace.root)).toEqual({ kind: 'file', path });
  });

  it.each(['../x', '/etc/passwd', 'a%2Fb', '..', 'Hello', 'a b', 'x\0y', '-x', 'a\\b'])(
    'refuses %j as a workflow name',
    async (ref) => {
      await expect(findWorkflow(ref, workspace.root)).rejects.toBeInstanceOf(UsageError);
    },
  );

  it('tells a path without .yaml how to run a file', async () => {
    await expect(findWorkflow('../x', workspace.root)).rejects.toMatchObject({
      code: 'MIA_CLI_USAGE',
      message:
        '"../x" is not a workflow name: names are lowercase letters, digits and dashes, starting with a letter or digit.',
      hint: 'To run a file, give its path ending in .yaml or .yml.',
    });
  });

  it('lists the available names with a suggestion when nothing matches', async () => {
    await workspace.writeWorkflow('mine', VALID);
    const error = await findWorkflow('helo-world', workspace.root).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowNotFoundError);
    expect(error).toMatchObject({
      code: 'MIA_DEFINITION_NOT_FOUND',
      message: expect.stringMatching(
        /^No workflow named "helo-world"\. Did you mean "hello-world"\? Available: .*hello-world.*mine/,
      ),
    });
  });

  it('says where it looked for a missing file', async () => {
    await expect(findWorkflow('nope.yaml', workspace.root)).rejects.toMatchObject({
      code: 'MIA_DEFINITION_NOT_FOUND',
      message: `Workflow file not found: nope.yaml (looked at ${join(workspace.root, 'nope.yaml')}).`,
    });
  });
});

describe('findTemplate', () => {
  it('ignores workspace files', async () => {
    await workspace.writeWorkflow('hello-world', VALID);
    expect(await findTemplate('hello-world')).toMatchObject({ kind: 'template' });
    expect(await findTemplate('nothing-here')).toBeUndefined();
  });
});

describe('isFileRef', () => {
  it.each([
    ['deploy', false],
    ['deploy.yaml', true],
    ['a/b.yml', true],
    ['a/b', false],
    ['FLOW.YML', true],
  ])('says %j is a file: %s', (ref, expected) => {
    expect(isFileRef(ref)).toBe(expected);
  });
});

describe('listWorkflows', () => {
  it('lists templates and workspace workflows, marking overrides and keeping broken files', async () => {
    await workspace.writeWorkflow(
      'hello-world',
      yaml('name: hello-world', 'extends: hello-world', 'steps: [{ id: greet, beat: Hi }]'),
    );
    await workspace.writeWorkflow('mine', yaml('name: mine', 'narrative: Mine', 'description: D'));
    await workspace.writeWorkflow('broken', yaml('name: [broken'));
    await workspace.write('.mia/workflows/notes.txt', 'not a workflow');

    const listings = await listWorkflows(workspace.root);
    const byKey = (name: string, kind: string) =>
      listings.find((entry) => entry.name === name && entry.kind === kind);

    expect(byKey('hello-world', 'workspace')).toMatchObject({
      overrides: true,
      extends: 'hello-world',
      narrative: 'A greeting travels from the first word to a shared farewell',
    });
    expect(byKey('hello-world', 'template')).toMatchObject({ overrides: false });
    expect(byKey('mine', 'workspace')).toEqual({
      name: 'mine',
      kind: 'workspace',
      path: join(workspace.root, '.mia', 'workflows', 'mine.yaml'),
      overrides: false,
      narrative: 'Mine',
      description: 'D',
    });
    expect(byKey('broken', 'workspace')?.error).toMatch(
      /^\.mia\/workflows\/broken\.yaml:2:1: YAML: /,
    );
    expect(listings.map((entry) => entry.name)).not.toContain('notes');
  });

  it('lists only the templates when the workspace has no .mia folder', async () => {
    const listings = await listWorkflows(workspace.root);
    expect(listings.every((entry) => entry.kind === 'template')).toBe(true);
    expect(listings.map((entry) => entry.name)).toContain('hello-world');
  });
});
