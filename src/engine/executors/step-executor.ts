// The step-execution seam: the engine hands one attempt of a ready step to a step executor and
// gets back its result, its output streamed to the step's log meanwhile. Executors run attempts
// only: retries, timeouts, events and the story stay with the engine, once for every executor.

import type { ActionContext } from '../../actions/types.js';
import type { ResolvedStep } from '../../definition/types.js';

/** How one attempt ended, as an executor reports it. */
export type AttemptResult =
  | { status: 'completed'; outputs: Record<string, unknown> }
  | {
      status: 'failed';
      /** What failed: an Error (a MiaError says whether a retry can help), as the action threw it. */
      error: unknown;
      /** What the attempt produced before it failed: a failed step keeps its outputs. */
      outputs: Record<string, unknown>;
    };

/**
 * Runs attempts of steps: in this process (LocalStepExecutor), or elsewhere. The engine asks
 * each executor in turn whether it takes a step; the local one takes every step the others
 * decline (gates, chapters and `wait` always run in the engine's process).
 */
export interface StepExecutor {
  /** A short name for messages (`local`). */
  readonly name: string;
  /**
   * True when the attempt starts later than it is handed over (it waits for a worker): the engine
   * then records its start when the executor calls `context.announceStart`, or at its end.
   */
  readonly announcesStart?: boolean;
  /** Whether this executor runs `step`; a declined step goes to the next executor. */
  accepts(step: ResolvedStep): boolean;
  /**
   * Runs one attempt of `step` with `context`: its resolved `with` and environment, the attempt's
   * number and run, a log to stream output to as it comes (in order), and a signal to stop at
   * (a timeout or an interruption: the whole process tree goes). Resolves once the attempt has
   * ended; never rejects for the step's own failure.
   */
  runAttempt(step: ResolvedStep, context: ActionContext): Promise<AttemptResult>;
}

/** The first of `executors` that takes `step`; undefined when all decline it. */
export function chooseExecutor(
  step: ResolvedStep,
  executors: readonly StepExecutor[],
): StepExecutor | undefined {
  return executors.find((executor) => executor.accepts(step));
}
