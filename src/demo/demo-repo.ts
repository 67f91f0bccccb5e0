// A throwaway git repository to run the templates on: a tiny package with tests, a config and its schema.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';

/** A git identity for the demo repository, so it works on a machine with no git config. */
export const DEMO_GIT_ENV = {
  GIT_AUTHOR_NAME: 'mia demo',
  GIT_AUTHOR_EMAIL: 'demo@mia.invalid',
  GIT_COMMITTER_NAME: 'mia demo',
  GIT_COMMITTER_EMAIL: 'demo@mia.invalid',
};

const FILES: Record<string, string> = {
  '.gitignore': 'node_modules/\n.mia/runs/\n.mia/stc/\n.stc/charts/\n',
  'package.json': `${JSON.stringify({ name: 'demo-app', version: '1.0.0', private: true, type: 'module', scripts: { test: 'node --test' } }, null, 2)}\n`,
  'package-lock.json': `${JSON.stringify({ name: 'demo-app', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'demo-app', version: '1.0.0' } } }, null, 2)}\n`,
  'src/sum.js': 'export function sum(a, b) {\n  return a + b;\n}\n',
  'test/sum.test.js':
    "import assert from 'node:assert';\nimport test from 'node:test';\nimport { sum } from '../src/sum.js';\n\ntest('adds two numbers', () => {\n  assert.strictEqual(sum(2, 3), 5);\n});\n",
  'config/app.json': `${JSON.stringify({ name: 'demo-app', port: 8080 }, null, 2)}\n`,
  'schemas/config.schema.json': `${JSON.stringify(
    {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      required: ['name', 'port'],
      properties: {
        name: { type: 'string' },
        port: { type: 'integer', minimum: 1, maximum: 65535 },
      },
      additionalProperties: false,
    },
    null,
    2,
  )}\n`,
  'CHANGELOG.md': '# Changelog\n',
};

async function git(dir: string, ...args: string[]): Promise<void> {
  await execa('git', args, { cwd: dir, env: DEMO_GIT_ENV });
}

/**
 * Creates the demo repository in `dir`: `main` with the package, and a `feature` branch (checked
 * out) that adds a multiply function with its test, ready to be delivered into `main`.
 */
export async function createDemoRepository(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [path, text] of Object.entries(FILES)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  await git(dir, 'init', '-q', '-b', 'main');
  // The runs' merges and tags in this throwaway repository need an identity too.
  await git(dir, 'config', 'user.name', DEMO_GIT_ENV.GIT_AUTHOR_NAME);
  await git(dir, 'config', 'user.email', DEMO_GIT_ENV.GIT_AUTHOR_EMAIL);
  await git(dir, 'add', '.');
  await git(dir, 'commit', '-q', '-m', 'A small app with a test, a config and its schema');
  await git(dir, 'checkout', '-q', '-b', 'feature');
  await writeFile(
    join(dir, 'src/multiply.js'),
    'export function multiply(a, b) {\n  return a * b;\n}\n',
  );
  await writeFile(
    join(dir, 'test/multiply.test.js'),
    "import assert from 'node:assert';\nimport test from 'node:test';\nimport { multiply } from '../src/multiply.js';\n\ntest('multiplies two numbers', () => {\n  assert.strictEqual(multiply(4, 5), 20);\n});\n",
  );
  await git(dir, 'add', '.');
  await git(dir, 'commit', '-q', '-m', 'Add multiply');
}
