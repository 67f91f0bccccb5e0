// Checks of matrix steps: a matrix written out is expanded now, so that an empty one, a key that
// is not a list or too many legs is a definition error at its place; and what `matrix.*` reads.

import type { DefinitionProblem } from '../errors.js';
import { formatSuggestion } from '../util/suggest.js';
import { asRecord, type MergedStep } from './extends.js';
import { hasExpression } from './legs.js';
import { expandMatrix, getLegGroup } from './matrix.js';

/** What the expressions of one step may read of `matrix`: undefined without a matrix. */
export interface MatrixScope {
  /** The matrix's keys, or undefined when they are known only at run time (an expression). */
  keys: string[] | undefined;
}

/** Expands the matrix of `step` when it is written out; reports why it cannot be. */
export function checkStepMatrix(
  step: MergedStep,
  problems: DefinitionProblem[],
): MatrixScope | undefined {
  const strategy = asRecord(step.data.strategy);
  if (strategy === undefined) return undefined;
  const matrix = strategy.matrix;
  if (hasExpression(matrix)) return { keys: undefined };
  const expanded = expandMatrix(String(step.data.id), matrix);
  if ('problems' in expanded) {
    for (const problem of expanded.problems) {
      problems.push({
        message: problem.message,
        position: step.locate(['strategy', 'matrix', ...problem.path]),
      });
    }
    return { keys: undefined };
  }
  return { keys: expanded.matrix.keys };
}

/** Why `matrix.<key>` cannot be read in step `id` (at `field`), or undefined when it can. */
export function checkMatrixReference(
  key: string,
  id: string,
  scope: MatrixScope | undefined,
  field: string,
): string | undefined {
  if (field === 'strategy') {
    return `the matrix cannot read matrix.${key}: its values come from lists, inputs or upstream steps.`;
  }
  if (scope === undefined) {
    return `matrix.${key} is read, but step "${id}" has no matrix: add "strategy: { matrix: { ${key}: [...] } }" to it.`;
  }
  if (scope.keys === undefined || scope.keys.some((k) => k.toLowerCase() === key.toLowerCase())) {
    return undefined;
  }
  return `matrix.${key} is not a key of the matrix of step "${id}".${formatSuggestion(key, scope.keys)} Its keys: ${scope.keys.join(', ')}.`;
}

/** The step a `steps.<name>` reference reads: a leg (`steps['test(22)']`) reads its step's place. */
export function toReferencedStep(name: string): string {
  return getLegGroup(name) ?? name;
}
