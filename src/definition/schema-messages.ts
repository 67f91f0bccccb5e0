// Turns ajv's errors into problems people can act on: positioned, deduplicated, with "did you mean".

import type { ErrorObject } from 'ajv/dist/2020.js';
import type { DefinitionProblem, SourcePosition } from '../errors.js';
import { formatSuggestion } from '../util/suggest.js';
import type { DataPath } from './parse.js';

/** How to describe and position errors of one validated value. */
export interface MessageContext {
  /** The validated value itself. */
  root: unknown;
  /** Where the validated value sits in its file (e.g. ['steps', 2, 'with']); [] for a whole file. */
  basePath: DataPath;
  /** Position of a full path (basePath included), or of its key. */
  locate(path: DataPath, options?: { key?: boolean }): SourcePosition;
  /**
   * Splits a full path into the thing it belongs to and the field within it:
   * `step "build"` + `retry.delay`; the owner is '' for the top level of the workflow.
   */
  describe(path: DataPath): { owner: string; label: string };
}

const PATTERN_PHRASES: Record<string, string> = {
  '^[a-z0-9][a-z0-9-]*$':
    'must be lowercase letters, digits and dashes, starting with a letter or digit (like "feature-delivery")',
  '^[a-z0-9][a-z0-9_-]*$':
    'must be lowercase letters, digits, dashes and underscores, starting with a letter or digit (like "run-tests")',
  '^\\d+(\\.\\d+)?\\s*(ms|s|m|h)?$':
    'must be a duration such as 500ms, 30s, 10m or 1h, or a number of milliseconds',
  '^[A-Za-z_][A-Za-z0-9_-]*$':
    'must start with a letter or underscore, followed by letters, digits, underscores or dashes',
  '^[A-Za-z_][A-Za-z0-9_]*$':
    'must be an environment variable name: letters, digits and underscores, not starting with a digit',
  '^(?![/\\\\])(?!(.*[/\\\\])?\\.\\.([/\\\\]|$))':
    'must stay inside the workspace: a glob relative to it (like "src/**"), not starting with / and without a .. segment',
};

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true/false',
  object: 'a map of key: value',
  array: 'a list',
  null: 'empty',
};

/** Converts ajv errors into problems; noisy fan-out (anyOf, oneOf, if, propertyNames) is folded. */
export function convertAjvErrors(
  errors: readonly ErrorObject[],
  context: MessageContext,
): DefinitionProblem[] {
  const alternatives = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  const problems: DefinitionProblem[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    if (error.keyword === 'if' || error.keyword === 'propertyNames') continue;
    const folded = alternatives.some(
      (alt) => alt !== error && error.schemaPath.startsWith(`${alt.schemaPath}/`),
    );
    if (folded) continue;
    const relative = parsePointer(error.instancePath, context.root);
    if (isExpressionValue(valueAt(context.root, relative))) continue;
    const problem = describeError(
      findTeachingAlternative(error, errors) ?? error,
      [...context.basePath, ...relative],
      context,
    );
    const key = `${problem.position?.line}:${problem.position?.col}:${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(problem);
  }
  return problems;
}

/**
 * For "must match one of these schemas" (oneOf, anyOf), the error of an alternative that says
 * what the value should look like (a pattern we can put in words, such as a duration), if any.
 */
function findTeachingAlternative(
  error: ErrorObject,
  errors: readonly ErrorObject[],
): ErrorObject | undefined {
  if (error.keyword !== 'oneOf' && error.keyword !== 'anyOf') return undefined;
  return errors.find(
    (other) =>
      other.keyword === 'pattern' &&
      other.instancePath === error.instancePath &&
      other.schemaPath.startsWith(`${error.schemaPath}/`) &&
      describePattern((other.params as Record<string, unknown>).pattern) !== undefined,
  );
}

function describeError(
  error: ErrorObject,
  path: DataPath,
  context: MessageContext,
): DefinitionProblem {
  const { owner, label } = context.describe(path);
  const where = owner === '' ? 'at the top level' : `in ${owner}`;
  const inOwner = owner === '' ? '' : ` in ${owner}`;
  const subject =
    label !== '' ? `"${label}"${inOwner}` : owner !== '' ? capitalize(owner) : 'The workflow';
  const value = valueAt(context.root, path.slice(context.basePath.length));
  const params = error.params as Record<string, unknown>;
  const at = (extra: DataPath = [], key = false) => context.locate([...path, ...extra], { key });
  const child = (name: string) => (label === '' ? name : `${label}.${name}`);

  if (error.propertyName !== undefined) {
    const phrase = describePattern(params.pattern) ?? error.message ?? 'is not allowed';
    return {
      message: `Key "${error.propertyName}" of "${label}"${inOwner} ${phrase}.`,
      position: at([error.propertyName], true),
    };
  }
  switch (error.keyword) {
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      const known = Object.keys((error.parentSchema?.properties as object | undefined) ?? {});
      const hint = known.length > 0 ? formatSuggestion(name, known) : '';
      const list = hint === '' && known.length > 0 ? ` Allowed: ${known.join(', ')}.` : '';
      return {
        message: `Unknown field "${child(name)}" ${where}.${hint}${list}`,
        position: at([name], true),
      };
    }
    case 'required':
      return {
        message: `Missing field "${child(String(params.missingProperty))}" ${where}.`,
        position: at(),
      };
    case 'type':
      return {
        message: `${subject} must be ${describeTypes(params.type)}, not ${describeValueType(value)}.`,
        position: at(),
      };
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const hint = typeof value === 'string' ? formatSuggestion(value, allowed) : '';
      return {
        message: `${subject} must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)}).${hint}`,
        position: at(),
      };
    }
    case 'pattern': {
      const phrase = describePattern(params.pattern) ?? `must match the pattern ${params.pattern}`;
      return { message: `${subject} ${phrase} (got ${JSON.stringify(value)}).`, position: at() };
    }
    case 'uniqueItems': {
      const later = Math.max(Number(params.i), Number(params.j));
      return {
        message: `${subject} lists ${JSON.stringify(itemAt(value, later))} twice.`,
        position: at([later]),
      };
    }
    case 'dependentRequired':
      return {
        message: `"${params.property}" needs "${params.missingProperty}": it only applies to a workflow that extends a template.`,
        position: at([String(params.property)], true),
      };
    default: {
      const got =
        value === null || typeof value === 'object' ? '' : ` (got ${JSON.stringify(value)})`;
      return { message: `${subject} ${error.message ?? 'is not valid'}${got}.`, position: at() };
    }
  }
}

/** Strings holding `${{ }}` are only known at run time: their type and pattern are not checked. */
function isExpressionValue(value: unknown): boolean {
  return typeof value === 'string' && value.includes('${{');
}

function describePattern(pattern: unknown): string | undefined {
  return typeof pattern === 'string' ? PATTERN_PHRASES[pattern] : undefined;
}

function describeTypes(type: unknown): string {
  const types = Array.isArray(type) ? type.map(String) : String(type).split(',');
  const names = types.map((t) => TYPE_NAMES[t] ?? t);
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names.at(-1)}` : names.join('');
}

function describeValueType(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return String(value);
  return `the string ${JSON.stringify(value)}`;
}

function parsePointer(pointer: string, root: unknown): (string | number)[] {
  if (pointer === '') return [];
  const path: (string | number)[] = [];
  let current = root;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const step = Array.isArray(current) ? Number(segment) : segment;
    path.push(step);
    current = valueAt(current, [step]);
  }
  return path;
}

/** The value at `path` inside `root`, or undefined. */
export function valueAt(root: unknown, path: DataPath): unknown {
  let current = root;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    if (!Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

function itemAt(list: unknown, index: unknown): unknown {
  return Array.isArray(list) ? list[Number(index)] : undefined;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
