// Runs a matrix step as its legs: expands the matrix (at run time when it reads upstream
// outputs), runs each leg as a step within `max_parallel`, cancels the legs not yet started when
// one fails under `fail_fast`, and ends the step as a whole once every leg has ended.

import pLimit from 'p-limit';
import {
  type ExpressionContext,
  interpolateDeep,
  isConditionTrue,
} from '../definition/expressions/evaluate.js';
import { createLegSteps, listStaticLegs } from '../definition/legs.js';
import { expandMatrix } from '../definition/matrix.js';
import type { ResolvedStep } from '../definition/types.js';
import { MiaError } from '../errors.js';
import { getStepContext } from './run-context.js';
import type { Settled } from './settled.js';

/** What running the legs of a matrix step needs of its scheduler. */
export interface MatrixStepScope {
  context: ExpressionContext;
  signal: AbortSignal;
  /** Legs kept from before a resume, with their outputs: they do not run again. */
  kept: ReadonlyMap<string, Record<string, unknown>>;
  /** Runs one leg to its recorded end, within the run's concurrency (undefined: interrupted first). */
  runLeg(leg: ResolvedStep): Promise<Settled | undefined>;
  /** Records (and settles) a leg passed by: cancelled by fail_fast, or its condition is false. */
  skipLeg(leg: ResolvedStep, reason: string, cause: 'condition' | 'upstream'): Promise<Settled>;
  /** Records that a leg failed before it could run (its condition does not evaluate). */
  failLeg(leg: ResolvedStep, error: unknown): Settled;
  /** Records how a leg settled (its dependents are the step's, which waits for every leg). */
  settleLeg(leg: ResolvedStep, result: Settled): Promise<void>;
}

/** How a matrix step ended, leg by leg: what the scheduler records for the step as a whole. */
export type MatrixOutcome =
  | { kind: 'invalid'; error: MiaError }
  | { kind: 'interrupted' }
  | { kind: 'ended'; legs: { leg: ResolvedStep; result: Settled }[]; durationMs: number };

/** Expands `step`'s matrix and runs its legs to their ends. */
export async function runMatrixLegs(
  step: ResolvedStep,
  scope: MatrixStepScope,
): Promise<MatrixOutcome> {
  let legs: ResolvedStep[];
  try {
    legs = listStaticLegs(step) ?? expandAtRunTime(step, scope.context);
  } catch (error) {
    return { kind: 'invalid', error: error as MiaError };
  }
  const startedAt = performance.now();
  const strategy = step.strategy!;
  const limit = pLimit(strategy.maxParallel ?? legs.length);
  let failedLeg: string | undefined;
  const runOne = async (leg: ResolvedStep): Promise<Settled | undefined> => {
    const kept = scope.kept.get(leg.id);
    if (kept !== undefined) return { status: 'completed', outputs: kept };
    if (scope.signal.aborted) return undefined;
    if (failedLeg !== undefined) {
      const reason = `fail_fast: leg "${failedLeg}" failed, so this leg was cancelled before it started`;
      return scope.skipLeg(leg, reason, 'upstream');
    }
    let result: Settled | undefined;
    try {
      if (
        leg.when !== undefined &&
        !isConditionTrue(leg.when, getStepContext(scope.context, leg))
      ) {
        return scope.skipLeg(leg, `its condition is false for ${leg.id}`, 'condition');
      }
      result = await scope.runLeg(leg);
    } catch (error) {
      result = scope.failLeg(leg, error);
    }
    if (result === undefined) return undefined;
    if (result.status === 'failed' && !result.continueOnError && strategy.failFast) {
      failedLeg ??= leg.id;
    }
    await scope.settleLeg(leg, result);
    return result;
  };
  // fail_fast is checked when a leg's turn comes, so a leg waiting for a slot is cancelled too.
  const results = await Promise.all(legs.map((leg) => limit(() => runOne(leg))));
  if (results.some((result) => result === undefined || result.status === 'interrupted')) {
    return { kind: 'interrupted' };
  }
  return {
    kind: 'ended',
    legs: legs.map((leg, index) => ({ leg, result: results[index]! })),
    durationMs: Math.round(performance.now() - startedAt),
  };
}

/** The legs of a matrix that reads expressions: evaluated now that the step's upstream is done. */
function expandAtRunTime(step: ResolvedStep, context: ExpressionContext): ResolvedStep[] {
  let matrix: unknown;
  try {
    matrix = interpolateDeep(step.strategy!.matrix, context);
  } catch (error) {
    throw new MiaError(
      'MIA_MATRIX_INVALID',
      `The matrix of step "${step.id}" cannot be evaluated: ${(error as Error).message}`,
      { hint: (error as MiaError).hint ?? 'Fix the expression in strategy.matrix.', cause: error },
    );
  }
  const expanded = expandMatrix(step.id, matrix);
  if ('problems' in expanded) {
    const why = expanded.problems.map((problem) => problem.message).join(' ');
    throw new MiaError(
      'MIA_MATRIX_INVALID',
      `The matrix of step "${step.id}" evaluated to ${JSON.stringify(matrix)?.slice(0, 200)}: ${why}`,
      {
        hint: 'Make the upstream output a JSON list of values (one key), or a mapping of keys to lists (the whole matrix), with at most 256 legs.',
      },
    );
  }
  return createLegSteps(step, expanded.matrix);
}

/**
 * A matrix step's outputs: for each output name any leg gave, the list of the legs' values in
 * the legs' order (null for a leg that gave none). One leg's are `steps['<leg id>'].outputs`.
 */
export function gatherLegOutputs(legs: readonly { result: Settled }[]): Record<string, unknown[]> {
  const names = new Set<string>();
  const outputsOf = (result: Settled) => ('outputs' in result ? result.outputs : {});
  for (const { result } of legs) for (const name of Object.keys(outputsOf(result))) names.add(name);
  return Object.fromEntries(
    [...names].map((name) => [name, legs.map(({ result }) => outputsOf(result)[name] ?? null)]),
  );
}
