// A matrix step's strategy resolved, and its legs as steps of the run: each leg is the step with
// its own id, its matrix values and a hash of both.

import { createHash } from 'node:crypto';
import { asRecord } from './extends.js';
import { type ExpandedMatrix, expandMatrix, formatLegId } from './matrix.js';
import type { ResolvedStep, ResolvedStrategy } from './types.js';

/** Resolves `strategy:` as written; the legs are expanded now when the matrix holds no expression. */
export function resolveStrategy(stepId: string, value: unknown): ResolvedStrategy | undefined {
  const strategy = asRecord(value);
  if (strategy === undefined) return undefined;
  const matrix = strategy.matrix;
  const expanded = hasExpression(matrix) ? undefined : expandMatrix(stepId, matrix);
  const isExpanded = expanded !== undefined && 'matrix' in expanded;
  return {
    matrix,
    legs: isExpanded ? expanded.matrix.legs : undefined,
    keys: isExpanded ? expanded.matrix.keys : undefined,
    maxParallel: typeof strategy.max_parallel === 'number' ? strategy.max_parallel : undefined,
    failFast: strategy.fail_fast !== false,
  };
}

/** Whether any text in `value` holds a `${{ }}` expression (then it is expanded at run time). */
export function hasExpression(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('${{');
  if (Array.isArray(value)) return value.some(hasExpression);
  const record = asRecord(value);
  return record !== undefined && Object.values(record).some(hasExpression);
}

/**
 * Whether a text reads a leg's values (`${{ matrix.x }}`): such a beat, tension or condition is
 * each leg's, and says nothing of the step as a whole.
 */
export function readsMatrix(text: string | boolean | undefined): boolean {
  return typeof text === 'string' && /\bmatrix\s*[.[]/i.test(text);
}

/**
 * The legs of a matrix step as steps: the step less its strategy, with the leg's id, `matrix`,
 * `group` (the step's id) and a hash of the step's hash and the leg's values.
 */
export function createLegSteps(step: ResolvedStep, expanded: ExpandedMatrix): ResolvedStep[] {
  const { strategy: _strategy, ...plain } = step;
  return expanded.legs.map((leg) => ({
    ...plain,
    id: formatLegId(step.id, leg, expanded.keys),
    matrix: leg,
    group: step.id,
    hash: createHash('sha256')
      .update(`${step.hash}\0${JSON.stringify(Object.entries(leg).sort(byKey))}`)
      .digest('hex'),
  }));
}

/** The legs a matrix step resolved with (none when its matrix is expanded at run time). */
export function listStaticLegs(step: ResolvedStep): ResolvedStep[] | undefined {
  const { strategy } = step;
  if (strategy?.legs === undefined || strategy.keys === undefined) return undefined;
  return createLegSteps(step, { legs: strategy.legs, keys: strategy.keys });
}

function byKey(a: [string, unknown], b: [string, unknown]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}
