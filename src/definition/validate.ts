// Validates workflow files against the JSON Schema of record, and `with` against each action's schema.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { ActionRegistry } from '../actions/registry.js';
import type { ActionAdapter } from '../actions/types.js';
import type { DefinitionProblem } from '../errors.js';
import { WORKFLOW_SCHEMA_PATH } from './package-paths.js';
import type { DataPath, ParsedFile } from './parse.js';
import { convertAjvErrors, type MessageContext, valueAt } from './schema-messages.js';
import {
  compileWorkflowSchema,
  hashSchemaText,
  PREBUILT_VALIDATOR_FILE,
} from './workflow-schema.js';

// ajv-formats is CommonJS: under NodeNext its default import is the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/** Schema errors turned into problems, at most (see load.ts: fewer still are reported). */
const MAX_SCHEMA_ERRORS = 1000;

let workflowValidator: ValidateFunction | undefined;
let actionAjv: Ajv2020 | undefined;

/**
 * The workflow schema's validator: the one the build compiled (dist/), when it was built from
 * the schema as it is now; else compiled here, once (under vitest, or after the schema changed).
 */
function getWorkflowValidator(): ValidateFunction {
  if (workflowValidator === undefined) {
    const schemaText = readFileSync(WORKFLOW_SCHEMA_PATH, 'utf8');
    const prebuilt = loadPrebuiltValidator();
    workflowValidator =
      prebuilt !== undefined && prebuilt.schemaHash === hashSchemaText(schemaText)
        ? prebuilt
        : compileWorkflowSchema(schemaText);
  }
  return workflowValidator;
}

function loadPrebuiltValidator(): (ValidateFunction & { schemaHash?: string }) | undefined {
  try {
    return createRequire(import.meta.url)(`./${PREBUILT_VALIDATOR_FILE}`);
  } catch {
    // None (running from the sources) or unloadable (a torn build): the schema is compiled here.
    return undefined;
  }
}

/**
 * Checks a parsed file against schemas/workflow.schema.json; every problem is positioned in the file.
 * A file that extends a template may omit `narrative`, `steps` and each patched step's `action`.
 */
export function validateWorkflowSchema(parsed: ParsedFile): DefinitionProblem[] {
  const validate = getWorkflowValidator();
  if (validate(parsed.data)) return [];
  // A hostile file can make ajv report one error per key (100,000 in 1 MiB): the first are enough.
  return convertAjvErrors((validate.errors ?? []).slice(0, MAX_SCHEMA_ERRORS), {
    root: parsed.data,
    basePath: [],
    locate: parsed.locate,
    describe: (path) => describeWorkflowPath(parsed.data, path),
  });
}

/** Where a path of a workflow points, in words: `step "build"` + `retry.delay`. */
export function describeWorkflowPath(
  data: unknown,
  path: DataPath,
): { owner: string; label: string } {
  const [head, second, ...rest] = path;
  if (head === 'steps' && typeof second === 'number') {
    return {
      owner: describeStep(valueAt(data, ['steps', second, 'id']), second),
      label: formatPath(rest),
    };
  }
  if (head === 'inputs' && typeof second === 'string') {
    return { owner: `input "${second}"`, label: formatPath(rest) };
  }
  return { owner: '', label: formatPath(path) };
}

/** `step "build"`, or `step #3` when the step has no usable id. */
export function describeStep(id: unknown, index: number): string {
  return typeof id === 'string' && id !== '' ? `step "${id}"` : `step #${index + 1}`;
}

/** Options for checking one step's `with`. */
export interface WithCheck {
  stepId: string;
  /** The registry `adapter` comes from: it keeps each action's compiled schema. */
  registry: ActionRegistry;
  /** Position of a path relative to the step (e.g. ['with', 'run']). */
  locate: MessageContext['locate'];
}

/**
 * Validates a step's `with` against its action's schema (when it has one).
 * Values holding `${{ }}` are only known at run time and are not type-checked.
 */
export function validateActionWith(
  adapter: ActionAdapter,
  value: unknown,
  check: WithCheck,
): DefinitionProblem[] {
  if (adapter.schema === undefined) return [];
  const validate = check.registry.getCompiledSchema(adapter, compileActionSchema);
  const owner = `step "${check.stepId}" (action ${adapter.name})`;
  if (validate instanceof Error) {
    return [
      {
        message: `Action "${adapter.name}" has an invalid schema for "with": ${validate.message}`,
        position: check.locate(['action']),
      },
    ];
  }
  if (validate(value)) return [];
  return convertAjvErrors(validate.errors ?? [], {
    root: value,
    basePath: ['with'],
    locate: check.locate,
    describe: (path) => ({ owner, label: formatPath(path) }),
  });
}

function compileActionSchema(schema: object): ValidateFunction | Error {
  if (actionAjv === undefined) {
    // Custom actions bring their own schemas: unknown keywords are tolerated, not fatal.
    actionAjv = new Ajv2020({ allErrors: true, verbose: true, strict: false });
    addFormats(actionAjv);
  }
  try {
    return actionAjv.compile(schema);
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** `retry.delay`, `depends_on[0]`, `with.files[2]`. */
export function formatPath(path: DataPath): string {
  let text = '';
  for (const segment of path) {
    text += typeof segment === 'number' ? `[${segment}]` : text === '' ? segment : `.${segment}`;
  }
  return text;
}
