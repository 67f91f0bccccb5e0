// The `schema-validate` action: checks JSON and YAML files against a JSON Schema (ajv).

import { relative, resolve } from 'node:path';
import { glob } from 'tinyglobby';
import { MiaError } from '../../errors.js';
import type { ActionAdapter } from '../types.js';
import { compileSchema, describeAjvError, getLinePointer } from './schema-compile.js';
import { readDocument } from './schema-documents.js';

/** How many failures the error message lists before "and N more". */
const MAX_LISTED_FAILURES = 10;
/** How many paths the `checked` output carries. */
const MAX_CHECKED_PATHS = 100;
/** Never searched, even when a glob would reach into them. */
const IGNORED = ['**/node_modules/**', '**/.git/**'];

/**
 * Validates every file matched by `with.files` (globs, relative to `cwd`) against `with.schema`
 * (relative to the workspace). Outputs `files` (how many) and `checked` (their paths). Throws
 * MIA_SCHEMA_INVALID listing each failure as `file:line /pointer: message`, and
 * MIA_SCHEMA_NO_FILES when the globs match nothing.
 */
export const schemaValidateAction: ActionAdapter = {
  name: 'schema-validate',
  universes: ['engineer'],
  description: 'Validates JSON and YAML files against a JSON Schema (ajv, with formats).',
  schema: {
    type: 'object',
    required: ['schema', 'files'],
    additionalProperties: false,
    properties: {
      schema: {
        type: 'string',
        minLength: 1,
        description: 'The JSON Schema (JSON or YAML file), relative to the workspace.',
      },
      files: {
        description: 'A glob or a list of globs of JSON/YAML files, relative to `cwd`.',
        oneOf: [
          { type: 'string', minLength: 1 },
          { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
        ],
      },
      cwd: { type: 'string', description: 'Where the globs start, relative to the workspace.' },
    },
  },
  async run(ctx) {
    const cwd = resolve(ctx.workdir, typeof ctx.with.cwd === 'string' ? ctx.with.cwd : '.');
    const show = (path: string) => relative(ctx.workdir, path) || '.';
    const schemaPath = resolve(ctx.workdir, String(ctx.with.schema));
    const schemaName = show(schemaPath);
    const schemaDoc = await readDocument(
      schemaPath,
      `the schema ${schemaName}`,
      'Check `with.schema`: a JSON or YAML file, relative to the workspace.',
    );
    const validate = compileSchema(schemaDoc.data, schemaName);

    const globs = ([] as unknown[]).concat(ctx.with.files).map(String);
    const matched = await glob(globs, {
      cwd,
      absolute: true,
      onlyFiles: true,
      expandDirectories: false,
      ignore: IGNORED,
    });
    if (matched.length === 0) {
      throw new MiaError(
        'MIA_SCHEMA_NO_FILES',
        `No files match ${globs.map((each) => JSON.stringify(each)).join(', ')} in ${show(cwd)}.`,
        {
          hint: 'Check `with.files` (globs relative to `with.cwd`, or to the workspace) and that the files exist.',
          isRetriable: false,
        },
      );
    }

    const paths = matched.map(show).sort();
    const failures: string[] = [];
    let invalidFiles = 0;
    for (const path of paths) {
      ctx.signal.throwIfAborted();
      const doc = await readDocument(
        resolve(ctx.workdir, path),
        path,
        'Fix its syntax, or leave it out of `with.files`.',
      );
      if (validate(doc.data)) {
        ctx.log.write('stdout', `valid    ${path}\n`);
        continue;
      }
      const errors = validate.errors ?? [];
      invalidFiles++;
      ctx.log.write(
        'stdout',
        `invalid  ${path} (${errors.length} error${plural(errors.length)})\n`,
      );
      const located = errors.map((error) => ({ error, line: doc.findLine(getLinePointer(error)) }));
      // ajv reports by keyword; a reader goes down the file.
      located.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
      for (const { error, line } of located) {
        const where = line === undefined ? path : `${path}:${line}`;
        failures.push(`${where} ${error.instancePath || '/'}: ${describeAjvError(error)}`);
      }
    }

    if (invalidFiles > 0) {
      const listed = failures.slice(0, MAX_LISTED_FAILURES).map((each) => `  ${each}`);
      if (failures.length > listed.length)
        listed.push(`  and ${failures.length - listed.length} more`);
      const summary =
        paths.length === 1
          ? `${paths[0]} does not match ${schemaName}:`
          : `${invalidFiles} of ${paths.length} files do not match ${schemaName}:`;
      throw new MiaError('MIA_SCHEMA_INVALID', `${summary}\n${listed.join('\n')}`, {
        hint: `Fix the values above so they match ${schemaName} (or change the schema); the step log lists every file.`,
        isRetriable: false,
      });
    }
    return { outputs: { files: paths.length, checked: paths.slice(0, MAX_CHECKED_PATHS) } };
  },
};

function plural(count: number): string {
  return count === 1 ? '' : 's';
}
