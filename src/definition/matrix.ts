// A step's `strategy.matrix` expanded into its legs, by GitHub Actions' rules: the product of the
// keys' lists, less `exclude`, plus `include`; and each leg's id, `<step>(<value>, …)`.

import { MAX_LEG_ID_LENGTH } from '../util/names.js';
import type { DataPath } from './parse.js';

/** A value a matrix key takes in one leg. */
export type MatrixValue = string | number | boolean;

/** One leg of a matrix: each key's value. */
export type MatrixLeg = Record<string, MatrixValue>;

/** Most legs one matrix may expand to (GitHub Actions' limit). */
export const MAX_MATRIX_LEGS = 256;

/** A matrix that cannot be expanded: why, and where in `strategy.matrix` (a path under it). */
export interface MatrixProblem {
  message: string;
  path: DataPath;
}

/** A matrix expanded: its legs in order and the order of its keys (the legs' ids follow it). */
export interface ExpandedMatrix {
  legs: MatrixLeg[];
  keys: string[];
}

const isScalar = (value: unknown): value is MatrixValue =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Expands a matrix (expressions already evaluated) of step `stepId`: each key a non-empty list of
 * strings, numbers or booleans; `exclude` drops the combinations that match all of an entry's
 * pairs; `include` adds its pairs to every combination whose original values it does not change,
 * or is a leg of its own when it fits none. Problems: not a mapping, a key that is not a list, an
 * empty list or matrix, a value that is not a scalar, more than MAX_MATRIX_LEGS legs.
 */
export function expandMatrix(
  stepId: string,
  matrix: unknown,
): { matrix: ExpandedMatrix } | { problems: MatrixProblem[] } {
  const fail = (message: string, path: DataPath = []) => ({ problems: [{ message, path }] });
  const where = `"strategy.matrix" of step "${stepId}"`;
  if (!isRecord(matrix)) {
    return fail(
      `${where} must be a mapping of keys to lists (e.g. { node: [20, 22] }), or include/exclude; got ${describe(matrix)}.`,
    );
  }
  const problems = findShapeProblems(where, matrix);
  if (problems.length > 0) return { problems };
  const keys: string[] = [];
  let legs: MatrixLeg[] = [{}];
  for (const [key, list] of Object.entries(matrix)) {
    if (key === 'include' || key === 'exclude') continue;
    keys.push(key);
    const values = list as MatrixValue[];
    if (legs.length * values.length > MAX_MATRIX_LEGS) return fail(tooMany(where), [key]);
    legs = legs.flatMap((leg) => values.map((value) => ({ ...leg, [key]: value })));
  }
  if (keys.length === 0) legs = [];
  const exclude = { list: (matrix.exclude ?? []) as MatrixLeg[] };
  const include = { list: (matrix.include ?? []) as MatrixLeg[] };
  legs = legs.filter((leg) => !exclude.list.some((entry) => matches(leg, entry)));
  const original = new Set(keys);
  const base = legs.map((leg) => ({ ...leg }));
  for (const entry of include.list) {
    let isAdded = false;
    for (const [index, leg] of legs.entries()) {
      // An include may not change a value the original matrix gave this combination.
      const fits = Object.entries(entry).every(
        ([key, value]) => !original.has(key) || base[index]?.[key] === value,
      );
      if (fits && base[index] !== undefined) {
        Object.assign(leg, entry);
        isAdded = true;
      }
    }
    if (!isAdded) legs.push({ ...entry });
    // Checked as it grows: a huge include list must not take the square of its size to refuse.
    if (legs.length > MAX_MATRIX_LEGS) return fail(tooMany(where), ['include']);
    for (const key of Object.keys(entry)) if (!keys.includes(key)) keys.push(key);
  }
  const unique = new Map<string, MatrixLeg>();
  for (const leg of legs) {
    const id = formatLegId(stepId, leg, keys);
    const problem = checkLegId(id, where);
    if (problem !== undefined) return fail(problem);
    unique.set(id, leg);
  }
  if (unique.size === 0) {
    return fail(
      `${where} has no legs (every combination is excluded, or it is empty), so the step would never run; give each key at least one value.`,
    );
  }
  if (unique.size > MAX_MATRIX_LEGS) return fail(tooMany(where));
  return { matrix: { legs: [...unique.values()], keys } };
}

// A leg id is shown, logged and named in URLs: no control character, and not without end.
function checkLegId(id: string, where: string): string | undefined {
  if (/[\u0000-\u001f\u007f]/.test(id)) {
    return `${where} gives the leg ${JSON.stringify(id)}: a matrix value cannot hold control characters (a newline, a tab, an escape).`;
  }
  if (id.length > MAX_LEG_ID_LENGTH) {
    return `${where} gives a leg id of ${id.length} characters (${id.slice(0, 40)}…): at most ${MAX_LEG_ID_LENGTH}; use shorter values.`;
  }
  return undefined;
}

/** Every problem of a matrix's shape: keys that are no list of scalars, bad include/exclude entries. */
function findShapeProblems(where: string, matrix: Record<string, unknown>): MatrixProblem[] {
  const problems: MatrixProblem[] = [];
  const notScalar = (value: unknown) =>
    `holds ${describe(value)}; a matrix value is a string, a number or a boolean.`;
  for (const [key, list] of Object.entries(matrix)) {
    if (key === 'include' || key === 'exclude') {
      if (list === undefined) continue;
      if (!Array.isArray(list)) {
        problems.push({
          message: `${where}: "${key}" must be a list of mappings; got ${describe(list)}.`,
          path: [key],
        });
        continue;
      }
      for (const [index, entry] of list.entries()) {
        if (!isRecord(entry) || Object.keys(entry).length === 0) {
          const message = `${where}: "${key}[${index}]" must be a mapping of keys to values; got ${describe(entry)}.`;
          problems.push({ message, path: [key, index] });
          continue;
        }
        const bad = Object.keys(entry).find((name) => !isScalar(entry[name]));
        if (bad !== undefined) {
          const message = `${where}: "${key}[${index}].${bad}" ${notScalar(entry[bad])}`;
          problems.push({ message, path: [key, index, bad] });
        }
      }
    } else if (!Array.isArray(list)) {
      const message = `${where}: "${key}" must be a list of values (e.g. ${key}: [a, b]); got ${describe(list)}.`;
      problems.push({ message, path: [key] });
    } else if (list.length === 0) {
      const message = `${where}: "${key}" is an empty list, so the step would never run; give it at least one value.`;
      problems.push({ message, path: [key] });
    } else {
      const bad = list.findIndex((value) => !isScalar(value));
      if (bad >= 0) {
        problems.push({ message: `${where}: "${key}" ${notScalar(list[bad])}`, path: [key, bad] });
      }
    }
    // A hostile matrix can hold thousands of bad entries: the first are enough.
    if (problems.length >= MAX_SHAPE_PROBLEMS) break;
  }
  return problems.slice(0, MAX_SHAPE_PROBLEMS);
}

const MAX_SHAPE_PROBLEMS = 20;

function tooMany(where: string): string {
  return `${where} expands to more than ${MAX_MATRIX_LEGS} legs, the most one step may have; split it into several steps or use fewer values.`;
}

function matches(leg: MatrixLeg, entry: MatrixLeg): boolean {
  return Object.entries(entry).every(([key, value]) => leg[key] === value);
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return `a list (${JSON.stringify(value).slice(0, 60)})`;
  if (typeof value === 'object') return `a mapping (${JSON.stringify(value).slice(0, 60)})`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** A leg's id: `<step>(<value>, …)`, the leg's values in the order of the matrix's keys. */
export function formatLegId(stepId: string, leg: MatrixLeg, keys: readonly string[]): string {
  const values = keys.filter((key) => Object.hasOwn(leg, key)).map((key) => String(leg[key]));
  return `${stepId}(${values.join(', ')})`;
}

/** The step a leg id belongs to (`test` for `test(22, linux)`), or undefined for a plain step id. */
export function getLegGroup(id: string): string | undefined {
  const open = id.indexOf('(');
  return open > 0 && id.endsWith(')') ? id.slice(0, open) : undefined;
}
