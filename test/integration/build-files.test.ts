// What the build precomputes for the definition layer matches the sources it was made from.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TEMPLATES_DIR, WORKFLOW_SCHEMA_PATH } from '../../src/definition/package-paths.js';
import {
  generateTemplateSummaries,
  TEMPLATE_SUMMARIES_FILE,
} from '../../src/definition/template-summaries.js';
import {
  generateWorkflowValidatorCode,
  PREBUILT_VALIDATOR_FILE,
} from '../../src/definition/workflow-schema.js';
import { PACKAGE_ROOT } from '../helpers/cli.js';

const BUILT = join(PACKAGE_ROOT, 'dist/definition');

describe('the build', () => {
  it('compiles the workflow schema as it is now into the prebuilt validator', async () => {
    const schemaText = await readFile(WORKFLOW_SCHEMA_PATH, 'utf8');
    const built = await readFile(join(BUILT, PREBUILT_VALIDATOR_FILE), 'utf8');
    expect(built).toBe(generateWorkflowValidatorCode(schemaText));
  });

  it('summarizes every built-in template as it is now', async () => {
    const built = JSON.parse(await readFile(join(BUILT, TEMPLATE_SUMMARIES_FILE), 'utf8'));
    expect(built).toEqual(await generateTemplateSummaries(TEMPLATES_DIR));
    expect(Object.keys(built)).toContain('hello-world.yaml');
  });
});

describe('the built dashboard page', () => {
  const page = join(PACKAGE_ROOT, 'dist/dashboard');

  it('is one bundle that imports nothing at run time, with its page and stylesheet beside it', async () => {
    const bundle = await readFile(join(page, 'app.js'), 'utf8');
    // No module is fetched by the browser but the bundle itself: no import, no require.
    expect(bundle).not.toMatch(/^\s*import\s|^\s*export\s.*\sfrom\s|\bimport\(|\brequire\(/m);
    // It carries the run view it shares with the CLI and the server.
    expect(bundle).toContain('function toRunDetail(');
    expect(bundle).toContain('function applyEvent(');
    const html = await readFile(join(page, 'index.html'), 'utf8');
    const assets = [...html.matchAll(/(?:src|href)="(assets\/[^"]+)"/g)].map((m) => m[1]);
    expect(assets.sort()).toEqual(['assets/app.js', 'assets/style.css']);
    expect((await readFile(join(page, 'style.css'), 'utf8')).length).toBeGreaterThan(0);
  });
});
