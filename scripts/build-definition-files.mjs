// Writes what the definition layer precomputes at build time, next to its compiled modules:
// dist/definition/workflow-validator.cjs, the workflow schema compiled ahead of time (ajv
// standalone code), and dist/definition/template-summaries.json, what `mia workflow ls` shows of
// each built-in template (both checked against their sources when used); and build-id.txt, new
// for each build, so that no definition recorded by another build is reused. Runs after tsc.

import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'dist/definition');
const { generateWorkflowValidatorCode, PREBUILT_VALIDATOR_FILE } = await import(
  join(out, 'workflow-schema.js')
);
const { generateTemplateSummaries, TEMPLATE_SUMMARIES_FILE } = await import(
  join(out, 'template-summaries.js')
);
const { BUILD_ID_FILE } = await import(join(out, 'record.js'));

const schemaText = await readFile(join(root, 'schemas/workflow.schema.json'), 'utf8');
await writeFile(join(out, PREBUILT_VALIDATOR_FILE), generateWorkflowValidatorCode(schemaText));
const summaries = await generateTemplateSummaries(join(root, 'templates'));
await writeFile(join(out, TEMPLATE_SUMMARIES_FILE), `${JSON.stringify(summaries, null, 2)}\n`);
await writeFile(join(out, BUILD_ID_FILE), `${randomUUID()}\n`);
