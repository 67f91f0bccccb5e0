import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  PACKAGE_ROOT,
  TEMPLATES_DIR,
  WORKFLOW_SCHEMA_PATH,
} from '../../src/definition/package-paths.js';
import {
  compileWorkflowSchema,
  generateWorkflowValidatorCode,
  hashSchemaText,
} from '../../src/definition/workflow-schema.js';

const schemaText = readFileSync(WORKFLOW_SCHEMA_PATH, 'utf8');

/** Loads generated code as the build writes it (inside the package, so ajv's runtime resolves). */
function loadGenerated(code: string): ValidateFunction & { schemaHash: string } {
  const dir = join(PACKAGE_ROOT, 'test-artifacts', 'workflow-schema');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `validator-${process.pid}-${Date.now()}.cjs`);
  writeFileSync(file, code);
  try {
    return createRequire(import.meta.url)(file);
  } finally {
    rmSync(file);
  }
}

const templates = readdirSync(TEMPLATES_DIR)
  .filter((name) => name.endsWith('.yaml'))
  .map((name) => parse(readFileSync(join(TEMPLATES_DIR, name), 'utf8')) as unknown);

/** Valid and invalid documents: each keyword of the schema has something to say about some. */
const DOCUMENTS: unknown[] = [
  ...templates,
  {},
  { name: 'Bad Name', narrative: 3, steps: 'none' },
  { name: 'x', narrative: 'n', steps: [{ id: 'a', acton: 'shell' }], extra: true },
  { name: 'x', narrative: 'n', steps: [{ id: 'a', action: 'shell', universe: 'space' }] },
  {
    name: 'x',
    narrative: 'n',
    inputs: { i: { default: [], required: 'yes' } },
    steps: [
      {
        id: 'A',
        action: 'wait',
        depends_on: 'b',
        timeout: 'soon',
        retry: { attempts: 0, delay: 'x', backoff: 'linear' },
        continue_on_error: 'no',
        env: { K: {} },
      },
    ],
  },
  { name: 'x', extends: 'hello-world', remove: [1], concurrency: 0 },
  {
    name: 'x',
    narrative: 'n',
    defaults: { shell: 'zsh', cwd: '', user: 'root' },
    steps: [{ id: 'a', action: 'shell', shell: 'pythn' }],
  },
  null,
  [],
];

describe('the prebuilt workflow validator', () => {
  const compiled = compileWorkflowSchema(schemaText);
  const generated = loadGenerated(generateWorkflowValidatorCode(schemaText));

  it('carries the hash of the schema it was built from', () => {
    expect(generated.schemaHash).toBe(hashSchemaText(schemaText));
    expect(generated.schemaHash).not.toBe(hashSchemaText(`${schemaText} `));
  });

  it.each(DOCUMENTS.map((document, index) => [index, document]))(
    'gives document #%i the same verdict and errors as the schema compiled at run time',
    (_, document) => {
      const verdict = compiled(document);
      expect(generated(document)).toBe(verdict);
      expect(generated.errors ?? null).toEqual(compiled.errors ?? null);
    },
  );

  it('finds errors in the invalid documents (so the comparison above compares something)', () => {
    const invalid = DOCUMENTS.slice(templates.length).filter((document) => !compiled(document));
    expect(invalid).toHaveLength(DOCUMENTS.length - templates.length);
  });
});
