// Records how a step ended: its `workflow.step.completed` or `.failed` event, and its beat or
// tension, told with the step's own outputs.

import { type ExpressionContext, interpolate } from '../definition/expressions/evaluate.js';
import type { ResolvedStep } from '../definition/types.js';
import { serializeError } from '../errors.js';
import type { Narrator } from '../narrative/narrator.js';
import type { EventLog } from '../store/event-log.js';
import { getStepLogPath } from '../store/paths.js';
import type { ResumeState, RunScope } from './lifecycle/types.js';
import { getStepContext, recordSettled } from './run-context.js';
import type { Settled } from './settled.js';
import type { StepOutcome } from './step-attempts.js';
import type { CacheMark } from './step-cache-hook.js';

/** Records the ends of the steps of one run. */
export interface StepEndRecorder {
  /** Records a step whose attempts have ended; `vcs` is HEAD before and after, in a repository. */
  ended(
    step: ResolvedStep,
    outcome: StepOutcome,
    where: {
      logPath: string;
      vcs: { before: string | null; after: string | null } | undefined;
      /** The step's cache mark; `hit`: it did not run, its entry stood for it. */
      cache?: CacheMark | undefined;
    },
  ): Settled;
  /** Records that `step` failed before it could run (a bad condition or input). */
  failedEarly(step: ResolvedStep, error: unknown): Settled;
}

/** A recorder for one run: `context` is its expression context, kept up to date here too. */
export function createStepEndRecorder(
  options: { handle: RunScope; resume: ResumeState; narrator: Narrator },
  run: { context: ExpressionContext; climaxStepId: string | undefined },
): StepEndRecorder {
  const { narrator, handle } = options;
  const events: EventLog = handle.events;

  const failedEarly = (step: ResolvedStep, error: unknown): Settled => {
    const serialized = serializeError(error);
    events.append('workflow.step.failed', {
      stepId: step.id,
      durationMs: 0,
      error: serialized,
      outputs: {},
      attempt: 0,
      interrupted: false,
      continueOnError: step.continueOnError,
    });
    narrator.tellTension(step, step.tension, serialized, {
      logPath: getStepLogPath(handle.workspace, handle.runId, step.id),
      attempt: 0,
    });
    return {
      status: 'failed',
      continueOnError: step.continueOnError,
      outputs: {},
      message: serialized.message,
    };
  };

  const ended: StepEndRecorder['ended'] = (step, outcome, where) => {
    // A matrix leg's beat and tension read its values.
    const context = getStepContext(run.context, step);
    const vcs = where.vcs ? { vcs: where.vcs } : {};
    if (outcome.kind === 'completed') {
      // The beat may tell the step's own outputs.
      recordSettled(context, step.id, { status: 'completed', outputs: outcome.outputs });
      const beat = tellText(step.beat, context);
      events.append('workflow.step.completed', {
        stepId: step.id,
        durationMs: outcome.durationMs,
        outputs: outcome.outputs,
        attempt: outcome.attempt,
        ...(beat === undefined ? {} : { beat }),
        ...vcs,
        ...(where.cache ? { cache: where.cache } : {}),
      });
      const overcame =
        outcome.attempt > 1
          ? `on attempt ${outcome.attempt}`
          : options.resume.hadTension.has(step.id)
            ? 'after the run was resumed'
            : undefined;
      narrator.tellCompleted(step, beat, {
        durationMs: outcome.durationMs,
        outputs: outcome.outputs,
        attempt: outcome.attempt,
        overcame,
        isClimax: step.id === run.climaxStepId,
        ...(where.cache?.hit ? { reusedFrom: where.cache.from } : {}),
      });
      return { status: 'completed', outputs: outcome.outputs, beat };
    }
    events.append('workflow.step.failed', {
      stepId: step.id,
      durationMs: outcome.durationMs,
      error: outcome.error,
      outputs: outcome.outputs,
      attempt: outcome.attempt,
      interrupted: outcome.interrupted,
      continueOnError: step.continueOnError,
      ...vcs,
    });
    if (outcome.interrupted) return { status: 'interrupted' };
    // The tension may tell what the failed step produced (`steps.<id>.outputs.failed`).
    recordSettled(context, step.id, { status: 'failed', outputs: outcome.outputs });
    narrator.tellTension(step, tellText(step.tension, context), outcome.error, {
      logPath: where.logPath,
      attempt: outcome.attempt,
    });
    return {
      status: 'failed',
      continueOnError: step.continueOnError,
      outputs: outcome.outputs,
      message: outcome.error.message,
    };
  };

  return { ended, failedEarly };
}

/** A beat or tension as told: its expressions evaluated (as written when one fails). */
export function tellText(text: string | undefined, context: ExpressionContext): string | undefined {
  if (text === undefined) return undefined;
  try {
    return String(interpolate(text, context));
  } catch {
    return text;
  }
}
