// The attempts of one step, above the step-execution seam: each attempt goes to the step's
// executor; the timeout, the retries with backoff and the events of each attempt are the engine's.

import type { ActionContext } from '../actions/types.js';
import type { ResolvedStep } from '../definition/types.js';
import {
  getErrorOutputs,
  MiaError,
  type SerializedError,
  StepTimeoutError,
  serializeError,
} from '../errors.js';
import type { EventLog } from '../store/event-log.js';
import { KILL_GRACE_MS } from '../util/processes.js';
import { setLongTimeout, sleep } from '../util/timers.js';
import type { StepExecutor } from './executors/step-executor.js';
import { getRetryDelay } from './retry.js';
import type { StepLogWriter } from './step-log.js';

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

/** What the run offers an attempt besides its input: gates and chapters. */
export type AttemptServices = Pick<ActionContext, 'requestApproval' | 'runWorkflow'>;

export interface StepAttemptsOptions {
  step: ResolvedStep;
  /** Runs each attempt (see StepExecutor). */
  executor: StepExecutor;
  events: EventLog;
  log: StepLogWriter;
  /** Aborted when the run is interrupted. */
  runSignal: AbortSignal;
  /** The action context, less what changes per attempt. */
  context: Omit<ActionContext, 'signal' | 'attempt' | 'log' | keyof AttemptServices>;
  /** The gates and chapters of this step, stopping when `signal` (the attempt's) is aborted. */
  offer(signal: AbortSignal): AttemptServices;
}

/** An executor that does not end an attempt once told to stop is given up on after this long. */
const ABANDON_AFTER_MS = KILL_GRACE_MS + 1000;

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
    });
    if (attempt > 1) log.info(`attempt ${attempt} of ${step.retry.attempts}`);
    const result = await runAttempt(options, attempt);
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

type AttemptEnd =
  | { outputs: Record<string, unknown> }
  | { thrown: unknown; outputs: Record<string, unknown> };

/** One attempt through the executor, stopped at the step's timeout or the run's interruption. */
async function runAttempt(options: StepAttemptsOptions, attempt: number): Promise<AttemptEnd> {
  const { step, runSignal } = options;
  const controller = new AbortController();
  const onRunAbort = () => controller.abort(runSignal.reason);
  runSignal.addEventListener('abort', onRunAbort, { once: true });
  if (runSignal.aborted) onRunAbort();
  // Chained: a timeout of weeks (a slow gate) must not fire at once.
  const timer =
    step.timeoutMs === undefined
      ? undefined
      : setLongTimeout(
          () => controller.abort(new StepTimeoutError(step.id, step.timeoutMs!)),
          step.timeoutMs,
        );
  // Told to stop, an attempt fails for the reason it was stopped (the timeout, the interruption).
  const fail = (thrown: unknown, outputs: Record<string, unknown> | undefined): AttemptEnd => {
    if (!controller.signal.aborted) return { thrown, outputs: outputs ?? {} };
    const { reason } = controller.signal;
    return { thrown: reason, outputs: getErrorOutputs(reason) ?? {} };
  };
  try {
    const running = options.executor.runAttempt(step, {
      ...options.context,
      signal: controller.signal,
      attempt,
      log: options.log,
      ...options.offer(controller.signal),
    });
    const result = await raceAbandon(running, controller.signal);
    // An attempt that completed has succeeded, even if a stop was asked for as it finished.
    if (result.status === 'completed') return { outputs: result.outputs };
    return fail(result.error, result.outputs);
  } catch (thrown) {
    return fail(thrown, getErrorOutputs(thrown));
  } finally {
    timer?.cancel();
    runSignal.removeEventListener('abort', onRunAbort);
  }
}

/** Waits for the action, but not forever once it has been told to stop. */
async function raceAbandon<T>(running: Promise<T>, signal: AbortSignal): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let start = () => {};
  const abandoned = new Promise<never>((_, reject) => {
    start = () => {
      timer = setTimeout(() => reject(signal.reason), ABANDON_AFTER_MS);
    };
  });
  if (signal.aborted) start();
  else signal.addEventListener('abort', start, { once: true });
  try {
    return await Promise.race([running, abandoned]);
  } finally {
    signal.removeEventListener('abort', start);
    if (timer) clearTimeout(timer);
  }
}

function isRetriable(error: unknown): boolean {
  return (
    !(error instanceof MiaError) || (error.isRetriable && error.code !== 'MIA_EXPRESSION_EVAL')
  );
}
