// Writes dist/definition/workflow-validator.cjs: the workflow schema compiled ahead of time
// (ajv standalone code), so that no command compiles it on start. Runs after tsc.

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { generateWorkflowValidatorCode, PREBUILT_VALIDATOR_FILE } = await import(
  join(root, 'dist/definition/workflow-schema.js')
);
const schemaText = await readFile(join(root, 'schemas/workflow.schema.json'), 'utf8');
await writeFile(
  join(root, 'dist/definition', PREBUILT_VALIDATOR_FILE),
  generateWorkflowValidatorCode(schemaText),
);
