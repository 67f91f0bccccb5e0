// The workflow JSON Schema compiled by ajv: at build time into standalone code, or at run time.

import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import standaloneCodeModule from 'ajv/dist/standalone/index.js';
import { hashSha256 } from '../util/hash.js';

// ajv's standalone module is CommonJS: under NodeNext its default import is the module object.
const standaloneCode = standaloneCodeModule as unknown as typeof standaloneCodeModule.default;

/** The file name of the validator the build writes next to the compiled validate.js. */
export const PREBUILT_VALIDATOR_FILE = 'workflow-validator.cjs';

function createWorkflowAjv(options: { standalone: boolean }): Ajv2020 {
  return new Ajv2020({
    allErrors: true,
    verbose: true,
    strict: true,
    strictTypes: false,
    strictRequired: false,
    code: { source: options.standalone },
  });
}

/** sha256 of the schema's text: a prebuilt validator is used only for the schema it was built from. */
export function hashSchemaText(schemaText: string): string {
  return hashSha256(schemaText);
}

/** Compiles the schema in this process. */
export function compileWorkflowSchema(schemaText: string): ValidateFunction {
  return createWorkflowAjv({ standalone: false }).compile(JSON.parse(schemaText) as object);
}

/** The schema's validator as a CommonJS module (ajv standalone code) that exports its schema's hash. */
export function generateWorkflowValidatorCode(schemaText: string): string {
  const ajv = createWorkflowAjv({ standalone: true });
  const code = standaloneCode(ajv, ajv.compile(JSON.parse(schemaText) as object));
  return `${code}\nmodule.exports.schemaHash = ${JSON.stringify(hashSchemaText(schemaText))};\n`;
}
