// The attempts of one step, above the step-execution seam: each attempt goes to the step's
// executor; the timeout, the retries with backoff and the events of each attempt are the engine's.

import { MiaError, type SerializedError, serializeError } from '../errors.js';
import type { EventLog } from '../store/event-log.js';
import { sleep } from '../util/timers.js';
import { getRetryDelay } from './retry.js';
import { runTimedAttempt, type TimedAttemptOptions } from './timed-attempt.js';

export type StepOutcome =
  | { kind: 'completed'; outputs: Record<string, unknown>; attempt: number; durationMs: number }
  | {
      kind: 'failed';
      error: SerializedError;
      /** What the last attempt produced before it failed (the error's `outputs`). */
      outputs: Record<string, unknown>;
      attempt: number;
      durationMs: number;
      interrupted: boolean;
    };

export interface StepAttemptsOptions extends TimedAttemptOptions {
  events: EventLog;
}

/** Runs every attempt the step's retry policy allows; never throws for the step's own failure. */
export async function runStepAttempts(options: StepAttemptsOptions): Promise<StepOutcome> {
  const { step, events, log, runSignal } = options;
  const startedAt = performance.now();
  for (let attempt = 1; ; attempt++) {
    events.append('workflow.step.started', {
      stepId: step.id,
      universe: step.universe,
      action: step.action,
      attempt,
      ...(options.context.shell === undefined ? {} : { shell: options.context.shell }),
      ...(step.matrix === undefined ? {} : { matrix: step.matrix }),
    });
    if (attempt > 1) log.info(`attempt ${attempt} of ${step.retry.attempts}`);
    const result = await runTimedAttempt(options, attempt);
    log.endAttempt();
    const durationMs = Math.round(performance.now() - startedAt);
    if (!('thrown' in result)) {
      return { kind: 'completed', outputs: result.outputs, attempt, durationMs };
    }
    const error = result;
    const interrupted = runSignal.aborted;
    if (interrupted || attempt >= step.retry.attempts || !isRetriable(error.thrown)) {
      return {
        kind: 'failed',
        error: serializeError(error.thrown),
        outputs: error.outputs,
        attempt,
        durationMs,
        interrupted,
      };
    }
    const delayMs = getRetryDelay(step.retry, attempt + 1);
    events.append('workflow.step.retrying', {
      stepId: step.id,
      attempt: attempt + 1,
      delayMs,
      error: serializeError(error.thrown),
    });
    log.info(
      `attempt ${attempt} failed: ${serializeError(error.thrown).message}; retrying in ${delayMs}ms`,
    );
    try {
      await sleep(delayMs, runSignal);
    } catch {
      return {
        kind: 'failed',
        error: serializeError(error.thrown),
        outputs: error.outputs,
        attempt,
        durationMs: Math.round(performance.now() - startedAt),
        interrupted: true,
      };
    }
  }
}

function isRetriable(error: unknown): boolean {
  return (
    !(error instanceof MiaError) || (error.isRetriable && error.code !== 'MIA_EXPRESSION_EVAL')
  );
}
