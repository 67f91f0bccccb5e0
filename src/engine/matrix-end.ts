// Records how a matrix step ended as a whole once its legs have: failed when a leg failed (its
// tension names the leg; allowed to with continue_on_error), skipped when every leg's condition
// was false, else completed, with the legs' outputs gathered; one beat for the whole step.

import type { ExpressionContext } from '../definition/expressions/evaluate.js';
import { readsMatrix } from '../definition/legs.js';
import type { ResolvedStep } from '../definition/types.js';
import { MiaError, serializeError } from '../errors.js';
import type { Narrator } from '../narrative/narrator.js';
import type { EventLog } from '../store/event-log.js';
import { gatherLegOutputs, type MatrixOutcome } from './matrix-step.js';
import { recordSettled } from './run-context.js';
import type { Settled } from './settled.js';
import { tellText } from './step-end.js';

/** What recording a matrix step's end needs. */
export interface MatrixEndScope {
  events: EventLog;
  narrator: Narrator;
  context: ExpressionContext;
  /** Records that a step failed before it could run (here: its matrix does not expand). */
  fail(step: ResolvedStep, error: unknown): Settled;
  /** The log of a leg or step, which the tension points at. */
  getLogPath(stepId: string): string;
  climaxStepId: string | undefined;
  /** Steps that met a tension in an earlier session: their success is a transformation. */
  hadTension: ReadonlySet<string>;
}

/** Records the end of matrix step `step` (nothing when the run was interrupted first). */
export function recordMatrixEnd(
  step: ResolvedStep,
  outcome: MatrixOutcome,
  scope: MatrixEndScope,
): Settled {
  if (outcome.kind === 'invalid') return scope.fail(step, outcome.error);
  if (outcome.kind === 'interrupted') return { status: 'interrupted' };
  const { events, narrator, context } = scope;
  const outputs = gatherLegOutputs(outcome.legs);
  const legs = outcome.legs.map(({ leg }) => leg.id);
  const total = outcome.legs.length;
  // Legs share their step's continue_on_error: a failed leg fails the step, allowed or not.
  const failed = outcome.legs.filter(({ result }) => result.status === 'failed');
  const first = failed[0];
  if (first !== undefined) {
    const others = failed.length > 1 ? ` (and ${failed.length - 1} more of its ${total} legs)` : '';
    const why = first.result.status === 'failed' ? first.result.message : undefined;
    const error = serializeError(
      new MiaError(
        'MIA_MATRIX_LEG_FAILED',
        `Leg "${first.leg.id}" of step "${step.id}" failed${others}${why ? `: ${why}` : '.'}`,
        {
          hint: `\`mia workflow status\` shows each leg; \`mia workflow resume\` re-runs only the legs that did not complete (\`--from '${first.leg.id}'\` that one).`,
        },
      ),
    );
    events.append('workflow.step.failed', {
      stepId: step.id,
      durationMs: outcome.durationMs,
      error,
      outputs,
      attempt: 1,
      interrupted: false,
      continueOnError: step.continueOnError,
      legs,
    });
    recordSettled(context, step.id, { status: 'failed', outputs });
    const tension = readsMatrix(step.tension) ? undefined : tellText(step.tension, context);
    narrator.tellTension(step, `${tension ?? `${step.id} failed`} (leg ${first.leg.id})`, error, {
      logPath: scope.getLogPath(first.leg.id),
      attempt: 1,
    });
    return {
      status: 'failed',
      continueOnError: step.continueOnError,
      outputs,
      message: error.message,
    };
  }
  const ran = outcome.legs.filter(({ result }) => result.status !== 'skipped').length;
  if (ran === 0) {
    const reason = `the condition is false for each of its ${total} legs`;
    events.append('workflow.step.skipped', { stepId: step.id, reason, cause: 'condition' });
    narrator.tellSkipped(step, reason);
    return { status: 'skipped', cause: 'condition' };
  }
  recordSettled(context, step.id, { status: 'completed', outputs });
  const told =
    (readsMatrix(step.beat) ? undefined : tellText(step.beat, context)) ?? `${step.id} is done`;
  const completed = outcome.legs.filter(({ result }) => result.status === 'completed').length;
  const beat =
    completed === total
      ? `${told}: all ${total} legs completed`
      : `${told}: ${completed} of its ${total} legs completed`;
  events.append('workflow.step.completed', {
    stepId: step.id,
    durationMs: outcome.durationMs,
    outputs,
    attempt: 1,
    beat,
    legs,
  });
  narrator.tellCompleted(step, beat, {
    durationMs: outcome.durationMs,
    // The gathered lists are not one run's facts (a count of tests): the legs told theirs.
    outputs: {},
    attempt: 1,
    overcame: scope.hadTension.has(step.id) ? 'after the run was resumed' : undefined,
    isClimax: step.id === scope.climaxStepId,
  });
  return { status: 'completed', outputs, beat };
}
