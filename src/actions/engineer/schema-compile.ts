// Compiles a user's JSON Schema with the Ajv class its `$schema` asks for, and words ajv's errors.

import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { MiaError } from '../../errors.js';

// ajv-formats is CommonJS: under NodeNext its default import is the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

const OPTIONS: Options = { allErrors: true, strict: false, logger: false };

/** The drafts understood, by a fragment of their `$schema` URI; no `$schema` means draft-07. */
const DRAFTS = [
  { marker: 'draft-07', create: () => new Ajv(OPTIONS) },
  { marker: '2019-09', create: () => new Ajv2019(OPTIONS) },
  { marker: '2020-12', create: () => new Ajv2020(OPTIONS) },
] as const;

/**
 * Compiles `schema` (read from the file called `name`) with all errors and ajv-formats. Throws
 * MIA_SCHEMA_BAD_SCHEMA when it is not an object, names an unsupported draft, or does not compile.
 */
export function compileSchema(schema: unknown, name: string): ValidateFunction {
  const hint = `Fix ${name}: it must be a JSON Schema (draft-07, 2019-09 or 2020-12) whose $refs stay inside the file.`;
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    throw new MiaError(
      'MIA_SCHEMA_BAD_SCHEMA',
      `${name} is not a JSON Schema: it is not an object.`,
      {
        hint,
        isRetriable: false,
      },
    );
  }
  const { $schema, ...rest } = schema as Record<string, unknown>;
  const draft =
    $schema === undefined
      ? DRAFTS[0]
      : DRAFTS.find((each) => typeof $schema === 'string' && $schema.includes(each.marker));
  if (!draft) {
    throw new MiaError(
      'MIA_SCHEMA_BAD_SCHEMA',
      `${name} asks for an unsupported draft: $schema is ${JSON.stringify($schema)}.`,
      { hint, isRetriable: false },
    );
  }
  const ajv = draft.create();
  addFormats(ajv);
  try {
    // The class already fixes the draft; without `$schema`, spellings ajv does not know
    // (https, no trailing #) still compile.
    return ajv.compile(rest);
  } catch (error) {
    throw new MiaError(
      'MIA_SCHEMA_BAD_SCHEMA',
      `${name} is not a valid JSON Schema: ${(error as Error).message}`,
      { hint, cause: error, isRetriable: false },
    );
  }
}

/** `must be integer`, with the detail ajv keeps in params for a few keywords. */
export function describeAjvError(error: ErrorObject): string {
  const message = error.message ?? `fails "${error.keyword}"`;
  const params = error.params as Record<string, unknown>;
  if (typeof params.additionalProperty === 'string') {
    return `${message}: ${JSON.stringify(params.additionalProperty)}`;
  }
  if (Array.isArray(params.allowedValues)) {
    return `${message}: ${params.allowedValues.map((value) => JSON.stringify(value)).join(', ')}`;
  }
  return message;
}

/** Where to look up an error's line: the extra property itself for additionalProperties. */
export function getLinePointer(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  if (typeof params.additionalProperty === 'string') {
    return `${error.instancePath}/${params.additionalProperty.replaceAll('~', '~0').replaceAll('/', '~1')}`;
  }
  return error.instancePath;
}
