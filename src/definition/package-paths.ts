// Where the package's own files (templates, schemas) live, from src/ under vitest or dist/ once built.

import { fileURLToPath } from 'node:url';

/** The package root: this module sits two levels below it (src/definition/ or dist/definition/). */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The folder of the built-in templates. */
export const TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));

/** The workflow JSON Schema, the definition of record. */
export const WORKFLOW_SCHEMA_PATH = fileURLToPath(
  new URL('../../schemas/workflow.schema.json', import.meta.url),
);
