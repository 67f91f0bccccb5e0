// The `schema-validate` action: checks JSON and YAML files against a JSON Schema (ajv).

import { relative, resolve } from 'node:path';
import { glob } from 'tinyglobby';
import { MiaError } from '../../errors.js';
import type { ActionAdapter, ActionContext } from '../types.js';
import { describeSchemaCheck } from './check-facts.js';
import {
  CHECKOUT_DEPENDENCIES,
  CHECKOUT_WITH_PROPERTIES,
  type Checkout,
  findCheckoutChange,
  openCheckout,
} from './checkout.js';
import { compileSchema, describeAjvError, getLinePointer } from './schema-compile.js';
import { readDocument } from './schema-documents.js';
import { describeCounts, WORKSPACE_STRUCTURES } from './workspace-structures.js';

/** How many failures the error message lists before "and N more". */
const MAX_LISTED_FAILURES = 10;
/** How many paths the `checked` output carries. */
const MAX_CHECKED_PATHS = 100;
/** Never searched, even when a glob would reach into them. */
const IGNORED = ['**/node_modules/**', '**/.git/**'];

/** A schema and the files matched for it. */
interface Target {
  what: string | undefined;
  schemaPath: string;
  schemaName: string;
  /** Paths relative to the checkout's workspace, sorted. */
  paths: string[];
}

/**
 * Validates every file matched by `with.files` (globs, relative to `cwd`) against `with.schema`
 * (relative to the workspace); with neither, the workspace's own structures (workflows, charts)
 * against the schemas the package ships. Outputs `files`, `checked` (paths) and `against` (each
 * schema and how many files). Throws MIA_SCHEMA_INVALID listing each failure as
 * `file:line /pointer: message`, and MIA_SCHEMA_NO_FILES when there is nothing to check.
 */
export const schemaValidateAction: ActionAdapter = {
  name: 'schema-validate',
  universes: ['engineer'],
  description:
    "Validates JSON and YAML files against a JSON Schema (ajv, with formats); with no `with`, the workspace's workflows and charts.",
  schema: {
    type: 'object',
    additionalProperties: false,
    dependentRequired: { ...CHECKOUT_DEPENDENCIES, schema: ['files'], files: ['schema'] },
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
      ...CHECKOUT_WITH_PROPERTIES,
    },
  },
  async run(ctx) {
    const checkout = await openCheckout(ctx);
    try {
      const targets = await findTargets(ctx, checkout);
      const outputs = await validateTargets(ctx, checkout.workdir, targets);
      return { outputs: { ...outputs, ...checkout.outputs } };
    } finally {
      await checkout.close();
    }
  },
  checkOutdated: findCheckoutChange,
  describeOutputs: describeSchemaCheck,
};

async function findTargets(ctx: ActionContext, checkout: Checkout): Promise<Target[]> {
  const { workdir } = checkout;
  const show = (path: string) => relative(workdir, path) || '.';
  const match = async (globs: string[], cwd: string) =>
    (
      await glob(globs, {
        cwd,
        absolute: true,
        onlyFiles: true,
        expandDirectories: false,
        ignore: IGNORED,
      })
    )
      // A glob reaching out of a worktree would check files that are not the commit's.
      .map((path) => show(checkout.locate(path)))
      .sort();
  if (ctx.with.schema === undefined && ctx.with.files === undefined) {
    const targets = await Promise.all(
      WORKSPACE_STRUCTURES.map(async (each) => ({
        ...each,
        paths: await match(each.files, workdir),
      })),
    );
    if (targets.some((target) => target.paths.length > 0)) return targets;
    const globs = WORKSPACE_STRUCTURES.flatMap((each) => each.files).join(', ');
    throw new MiaError(
      'MIA_SCHEMA_NO_FILES',
      `Nothing to validate: with no \`with\`, schema-validate checks the workspace's own structures (${globs}), and ${workdir} has none.`,
      {
        hint: 'Run it in a mia workspace, or set `with.schema` and `with.files` to validate your own files.',
        isRetriable: false,
      },
    );
  }
  const cwd = checkout.resolveCwd(ctx.with.cwd);
  const globs = ([] as unknown[]).concat(ctx.with.files).map(String);
  const schemaPath = checkout.locate(String(ctx.with.schema));
  const paths = await match(globs, cwd);
  if (paths.length === 0) {
    throw new MiaError(
      'MIA_SCHEMA_NO_FILES',
      `No files match ${globs.map((each) => JSON.stringify(each)).join(', ')} in ${show(cwd)}.`,
      {
        hint: 'Check `with.files` (globs relative to `with.cwd`, or to the workspace) and that the files exist.',
        isRetriable: false,
      },
    );
  }
  return [{ what: undefined, schemaPath, schemaName: show(schemaPath), paths }];
}

async function validateTargets(
  ctx: ActionContext,
  workdir: string,
  targets: Target[],
): Promise<Record<string, unknown>> {
  const failures: string[] = [];
  const invalid: string[] = [];
  for (const target of targets) {
    if (target.paths.length === 0) continue;
    const schemaDoc = await readDocument(
      target.schemaPath,
      `the schema ${target.schemaName}`,
      'Check `with.schema`: a JSON or YAML file, relative to the workspace.',
    );
    const validate = compileSchema(schemaDoc.data, target.schemaName);
    if (target.what) {
      const count = describeCounts([{ what: target.what, files: target.paths.length }]);
      ctx.log.info(`Checking ${count} against ${target.schemaName}`);
    }
    for (const path of target.paths) {
      ctx.signal.throwIfAborted();
      const doc = await readDocument(
        resolve(workdir, path),
        path,
        'Fix its syntax, or leave it out of `with.files`.',
      );
      if (validate(doc.data)) {
        ctx.log.write('stdout', `valid    ${path}\n`);
        continue;
      }
      const errors = validate.errors ?? [];
      invalid.push(path);
      ctx.log.write(
        'stdout',
        `invalid  ${path} (${errors.length} error${errors.length === 1 ? '' : 's'})\n`,
      );
      const located = errors.map((error) => ({ error, line: doc.findLine(getLinePointer(error)) }));
      // ajv reports by keyword; a reader goes down the file.
      located.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
      for (const { error, line } of located) {
        const where = line === undefined ? path : `${path}:${line}`;
        failures.push(`${where} ${error.instancePath || '/'}: ${describeAjvError(error)}`);
      }
    }
  }
  const paths = targets.flatMap((target) => target.paths);
  if (invalid.length > 0) throw describeInvalid(targets, paths, invalid, failures);
  const against = targets
    .filter((target) => target.paths.length > 0)
    .map((target) => ({
      ...(target.what ? { what: target.what } : {}),
      schema: target.schemaName,
      files: target.paths.length,
    }));
  const counted = describeCounts(
    against.map((each) => ({ what: each.what ?? 'file', files: each.files })),
  );
  if (targets[0]?.what) ctx.log.info(`Checked ${counted}: each holds its shape.`);
  return { files: paths.length, checked: paths.slice(0, MAX_CHECKED_PATHS), against };
}

function describeInvalid(
  targets: Target[],
  paths: string[],
  invalid: string[],
  failures: string[],
): MiaError {
  const listed = failures.slice(0, MAX_LISTED_FAILURES).map((each) => `  ${each}`);
  if (failures.length > listed.length) listed.push(`  and ${failures.length - listed.length} more`);
  const schemas = [
    ...new Set(
      targets.filter((t) => t.paths.some((p) => invalid.includes(p))).map((t) => t.schemaName),
    ),
  ].join(' and ');
  const summary =
    paths.length === 1
      ? `${paths[0]} does not match ${schemas}:`
      : `${invalid.length} of ${paths.length} files do not match ${schemas}:`;
  return new MiaError('MIA_SCHEMA_INVALID', `${summary}\n${listed.join('\n')}`, {
    hint: `Fix the values above so they match ${schemas} (or change the schema); the step log lists every file.`,
    isRetriable: false,
  });
}
