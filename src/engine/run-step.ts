// Runs one step to its end: attempts, timeout, retry with backoff, and the events of each.

import { KILL_GRACE_MS } from '../actions/engineer/process.js';
import type {
  ActionAdapter,
  ActionContext,
  ApprovalAnswer,
  ChapterResult,
} from '../actions/types.js';
import type { ResolvedStep } from '../definition/types.js';
import {
  getErrorOutputs,
  MiaError,
  type SerializedError,
  StepTimeoutError,
  serializeError,
} from '../errors.js';
import type { EventLog } from '../store/event-log.js';
import { setLongTimeout, sleep } from '../util/timers.js';
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

export interface RunStepOptions {
  step: ResolvedStep;
  adapter: ActionAdapter;
  events: EventLog;
  log: StepLogWriter;
  /** Aborted when the run is interrupted. */
  runSignal: AbortSignal;
  /** The action context, less what changes per attempt. */
  context: Omit<ActionContext, 'signal' | 'attempt' | 'log' | 'requestApproval' | 'runWorkflow'>;
  /** Opens a gate for this step; it stops waiting when `signal` is aborted. */
  openGate(prompt: string, signal: AbortSignal): Promise<ApprovalAnswer>;
  /** Runs a chapter for this step; it is interrupted when `signal` is aborted. */
  runChapter(
    ref: string,
    inputs: Record<string, string>,
    signal: AbortSignal,
  ): Promise<ChapterResult>;
}

/** An adapter that ignores its abort signal is given up on after this long. */
const ABANDON_AFTER_MS = KILL_GRACE_MS + 1000;

/** Runs every attempt the step's retry policy allows; never throws for the step's own failure. */
export async function runStep(options: RunStepOptions): Promise<StepOutcome> {
  const { step, events, log, runSignal } = options;
  const startedAt = performance.now();
  for (let attempt = 1; ; attempt++) {
    events.append('workflow.step.started', {
      stepId: step.id,
      universe: step.universe,
      action: step.action,
      attempt,
      ...(options.context.shell === undefined ? {} : { shell: options.context.shell }),
    });
    if (attempt > 1) log.info(`attempt ${attempt} of ${step.retry.attempts}`);
    const result = await runAttempt(options, attempt);
    log.endAttempt();
    const durationMs = Math.round(performance.now() - startedAt);
    if ('outputs' in result) {
      return { kind: 'completed', outputs: result.outputs, attempt, durationMs };
    }
    const error = result;
    const interrupted = runSignal.aborted;
    if (interrupted || attempt >= step.retry.attempts || !isRetriable(error.thrown)) {
      return {
        kind: 'failed',
        error: serializeError(error.thrown),
        outputs: getErrorOutputs(error.thrown) ?? {},
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
        outputs: getErrorOutputs(error.thrown) ?? {},
        attempt,
        durationMs: Math.round(performance.now() - startedAt),
        interrupted: true,
      };
    }
  }
}

type AttemptResult = { outputs: Record<string, unknown> } | { thrown: unknown };

async function runAttempt(options: RunStepOptions, attempt: number): Promise<AttemptResult> {
  const { step, adapter, runSignal } = options;
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
  try {
    const running = adapter.run({
      ...options.context,
      signal: controller.signal,
      attempt,
      log: options.log,
      requestApproval: (prompt) => options.openGate(prompt, controller.signal),
      runWorkflow: (ref, inputs) => options.runChapter(ref, inputs, controller.signal),
    });
    // An action that returns has succeeded, even if a stop was asked for as it finished.
    const result = await raceAbandon(running, controller.signal);
    return { outputs: { ...(result?.outputs ?? {}) } };
  } catch (thrown) {
    return { thrown: controller.signal.aborted ? controller.signal.reason : thrown };
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
