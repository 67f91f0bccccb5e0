// The schema-validate action checks real JSON and YAML files in temp workspaces.

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { schemaValidateAction } from '../../../src/actions/engineer/schema-validate.js';
import { MiaError } from '../../../src/errors.js';
import { commitFile, git, initRepository } from '../../helpers/temp-git-repo.js';
import { describeActionContract } from '../contract.js';
import { runInWorkspace, writeFiles } from './run-in-workspace.js';

const CONFIG_SCHEMA = JSON.stringify({
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  required: ['name', 'port'],
  additionalProperties: false,
  properties: {
    name: { type: 'string' },
    port: { type: 'integer' },
    admin: { type: 'string', format: 'email' },
    servers: { type: 'array', items: { type: 'object', properties: { host: { type: 'string' } } } },
  },
});

function validate(files: Record<string, string>, withValue: Record<string, unknown>) {
  return runInWorkspace(schemaValidateAction, files, withValue);
}

describeActionContract({
  adapter: schemaValidateAction,
  validWith: [
    { schema: 'schema.json', files: 'config/*.yaml' },
    { schema: 'schema.yaml', files: ['a/*.json', 'b.yml'], cwd: 'packages/api' },
    {},
    { branch: 'feature', into: 'develop', method: 'squash' },
    { ref: 'v1.0.0', schema: 'schema.json', files: '*.json' },
  ],
  invalidWith: [
    { schema: 'schema.json' },
    { into: 'main' },
    { method: 'squash' },
    { files: '*.json' },
    { schema: 'schema.json', files: [] },
    { schema: 'schema.json', files: 3 },
    { schema: '', files: '*.json' },
    { schema: 'schema.json', files: '*.json', strict: true },
  ],
  success: {
    with: { schema: 'schema.json', files: 'config/*' },
    setup: (workdir) =>
      writeFiles(workdir, { 'schema.json': CONFIG_SCHEMA, 'config/a.yaml': 'name: a\nport: 80\n' }),
  },
  failure: {
    with: { schema: 'schema.json', files: 'config/*' },
    setup: (workdir) =>
      writeFiles(workdir, { 'schema.json': CONFIG_SCHEMA, 'config/a.yaml': 'name: a\n' }),
  },
});

describe('the schema-validate action', () => {
  it('passes valid JSON and YAML files and logs one line per file', async () => {
    const { ctx, outputs } = await validate(
      {
        'schemas/config.json': CONFIG_SCHEMA,
        'config/b.json': '{"name": "b", "port": 8080, "admin": "ops@example.com"}',
        'config/a.yaml': 'name: a\nport: 80\nservers:\n  - host: one\n',
        'config/c.yml': 'name: c\nport: 81\n',
      },
      { schema: 'schemas/config.json', files: ['config/*.yaml', 'config/*.yml', 'config/*.json'] },
    );
    expect(outputs).toEqual({
      files: 3,
      checked: ['config/a.yaml', 'config/b.json', 'config/c.yml'],
      against: [{ schema: 'schemas/config.json', files: 3 }],
    });
    expect(ctx.written.stdout).toBe(
      'valid    config/a.yaml\nvalid    config/b.json\nvalid    config/c.yml\n',
    );
  });

  it('names the file, the JSON pointer and the line of each failure', async () => {
    const { ctx, error } = await validate(
      {
        'schemas/config.json': CONFIG_SCHEMA,
        'config/a.yaml':
          '# service a\nname: a\nport: eighty\nservers:\n  - host: one\n  - host: 2\n',
        'config/b.json': '{\n  "port": 1,\n  "name": "b",\n  "extra": true\n}\n',
        'config/c.json': '{"name": "c", "port": 3}',
      },
      { schema: 'schemas/config.json', files: 'config/*' },
    );
    expect(error).toBeInstanceOf(MiaError);
    expect(error?.code).toBe('MIA_SCHEMA_INVALID');
    expect(error?.message).toBe(
      [
        '2 of 3 files do not match schemas/config.json:',
        '  config/a.yaml:3 /port: must be integer',
        '  config/a.yaml:6 /servers/1/host: must be string',
        '  config/b.json:4 /: must NOT have additional properties: "extra"',
      ].join('\n'),
    );
    expect(error?.hint).toContain('schemas/config.json');
    expect(ctx.written.stdout).toContain('invalid  config/a.yaml (2 errors)\n');
  });

  it('points a missing required property at the root', async () => {
    const { error } = await validate(
      { 'schema.json': CONFIG_SCHEMA, 'only.yaml': 'name: x\n' },
      { schema: 'schema.json', files: 'only.yaml' },
    );
    expect(error?.message).toBe(
      "only.yaml does not match schema.json:\n  only.yaml:1 /: must have required property 'port'",
    );
  });

  it('enforces formats, with a 2020-12 schema written in YAML', async () => {
    const schema = `$schema: https://json-schema.org/draft/2020-12/schema
type: object
properties:
  admin: { type: string, format: email }
  started: { type: string, format: date-time }
`;
    const { error } = await validate(
      { 'schema.yaml': schema, 'team.yaml': 'admin: not-an-email\nstarted: yesterday\n' },
      { schema: 'schema.yaml', files: '*.yaml', cwd: '.' },
    );
    expect(error?.code).toBe('MIA_SCHEMA_INVALID');
    expect(error?.message).toContain('team.yaml:1 /admin: must match format "email"');
    expect(error?.message).toContain('team.yaml:2 /started: must match format "date-time"');
  });

  it.each([
    {
      draft: '2020-12',
      schema: {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        prefixItems: [{ type: 'string' }],
      },
    },
    {
      draft: 'draft-07',
      schema: { $schema: 'http://json-schema.org/draft-07/schema#', items: [{ type: 'string' }] },
    },
    { draft: 'draft-07 (no $schema)', schema: { items: [{ type: 'string' }] } },
  ])('reads a $draft schema by its own rules', async ({ schema }) => {
    const { error } = await validate(
      { 'tuple.json': JSON.stringify(schema), 'data.json': '[1]' },
      { schema: 'tuple.json', files: 'data.json' },
    );
    expect(error?.message).toBe(
      'data.json does not match tuple.json:\n  data.json:1 /0: must be string',
    );
  });

  it('lists the first ten failures and counts the rest', async () => {
    const files: Record<string, string> = { 'schema.json': CONFIG_SCHEMA };
    for (let i = 0; i < 12; i++)
      files[`c/${String(i).padStart(2, '0')}.json`] = '{"name": 1, "port": 1}';
    const { error } = await validate(files, { schema: 'schema.json', files: 'c/*.json' });
    const lines = error?.message.split('\n') ?? [];
    expect(lines[0]).toBe('12 of 12 files do not match schema.json:');
    expect(lines).toHaveLength(12);
    expect(lines.at(-1)).toBe('  and 2 more');
  });

  it('refuses to pass when no file matches, naming the globs and the directory', async () => {
    const { error } = await validate(
      { 'schema.json': CONFIG_SCHEMA, 'pkg/node_modules/x/c.json': '{}' },
      { schema: 'schema.json', files: ['**/*.json', 'none/*.yaml'], cwd: 'pkg' },
    );
    expect(error).toBeInstanceOf(MiaError);
    expect(error?.code).toBe('MIA_SCHEMA_NO_FILES');
    expect(error?.message).toBe('No files match "**/*.json", "none/*.yaml" in pkg.');
  });

  it('names a schema that does not exist', async () => {
    const { error } = await validate(
      { 'a.json': '{}' },
      { schema: 'schemas/nope.json', files: 'a.json' },
    );
    expect(error?.code).toBe('MIA_SCHEMA_UNREADABLE');
    expect(error?.message).toBe('Cannot read the schema schemas/nope.json: no such file.');
    expect(error?.hint).toContain('with.schema');
  });

  it('names a file that is not valid YAML', async () => {
    const { error } = await validate(
      { 'schema.json': CONFIG_SCHEMA, 'bad.yaml': 'name: [unclosed\n' },
      { schema: 'schema.json', files: 'bad.yaml' },
    );
    expect(error?.code).toBe('MIA_SCHEMA_UNREADABLE');
    expect(error?.message).toMatch(/^Cannot read bad\.yaml: not valid YAML \(.+\)\.$/);
  });

  it.each([
    { title: 'does not compile', schema: '{"type": "integr"}', says: 'is not a valid JSON Schema' },
    {
      title: 'asks for an unsupported draft',
      schema: '{"$schema": "http://json-schema.org/draft-04/schema#"}',
      says: 'asks for an unsupported draft',
    },
    { title: 'is not an object', schema: '[1, 2]', says: 'it is not an object' },
  ])('refuses a schema that $title', async ({ schema, says }) => {
    const { error } = await validate(
      { 'schema.json': schema, 'a.json': '{}' },
      { schema: 'schema.json', files: 'a.json' },
    );
    expect(error?.code).toBe('MIA_SCHEMA_BAD_SCHEMA');
    expect(error?.message).toContain('schema.json');
    expect(error?.message).toContain(says);
  });

  it("refuses files a glob finds outside the worktree of a merge it checks: they are not the merge's", async () => {
    const dir = await initRepository();
    await commitFile(
      dir,
      'schema.json',
      JSON.stringify({ properties: { port: { type: 'integer' } } }),
    );
    await mkdir(join(dir, 'config'));
    await commitFile(dir, 'config/a.json', '{"port": 1}');
    await git(dir, 'checkout', '--quiet', '-b', 'feature');
    await commitFile(dir, 'config/a.json', '{"port": "one"}');
    await git(dir, 'checkout', '--quiet', 'main');
    const { error } = await runInWorkspace(
      schemaValidateAction,
      {},
      { branch: 'feature', schema: 'schema.json', files: `${dir}/config/*.json` },
      { workdir: dir, stepId: 'validate' },
    );
    expect(error?.code).toBe('MIA_CHECKOUT_OUTSIDE');
    expect(error?.message).toBe(
      `${dir}/config/a.json is outside the worktree of the commit being checked (${error?.message.match(/\((.*)\)/)?.[1]}): the step would check other files than that commit's.`,
    );
  });
});
