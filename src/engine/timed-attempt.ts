// One attempt of a step through its executor, bounded by the step's timeout and the run's
// interruption: told to stop, the attempt fails for that reason; an executor that does not end
// it within the kill grace period is given up on.

import type { ActionContext } from '../actions/types.js';
import type { ResolvedStep } from '../definition/types.js';
import { getErrorOutputs, StepTimeoutError } from '../errors.js';
import { KILL_GRACE_MS } from '../util/processes.js';
import { setLongTimeout } from '../util/timers.js';
import type { StepExecutor } from './executors/step-executor.js';
import type { StepLogWriter } from './step-log.js';

/** What the run offers an attempt besides its input: gates and chapters. */
export type AttemptServices = Pick<ActionContext, 'requestApproval' | 'runWorkflow'>;

/** What running one attempt of a step needs. */
export interface TimedAttemptOptions {
  step: ResolvedStep;
  /** Runs the attempt (see StepExecutor). */
  executor: StepExecutor;
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

/** How an attempt ended: its outputs, and what was thrown when it failed. */
export type AttemptEnd =
  | { outputs: Record<string, unknown> }
  | { thrown: unknown; outputs: Record<string, unknown> };

/** Records an attempt's start (see StepExecutor.announcesStart). */
export type AnnounceStart = (
  details: Parameters<NonNullable<ActionContext['announceStart']>>[0] | undefined,
) => void;

/** Runs attempt number `attempt` of `options.step`; never rejects. */
export async function runTimedAttempt(
  options: TimedAttemptOptions,
  attempt: number,
  announceStart?: AnnounceStart,
): Promise<AttemptEnd> {
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
      ...(announceStart === undefined ? {} : { announceStart }),
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

/** Waits for the attempt, but not forever once it has been told to stop. */
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
