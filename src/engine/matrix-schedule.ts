// The scheduler's side of a matrix step: its legs run as steps of the run, within the run's
// concurrency, and the step's end is recorded once every leg has ended.

import type { LimitFunction } from 'p-limit';
import type { ExpressionContext } from '../definition/expressions/evaluate.js';
import type { ResolvedStep } from '../definition/types.js';
import { getStepLogPath } from '../store/paths.js';
import { recordMatrixEnd } from './matrix-end.js';
import { runMatrixLegs } from './matrix-step.js';
import type { Settled } from './settled.js';
import type { StepRunner, StepRunnerOptions } from './step-runner.js';

/** What the scheduler lends a matrix step: its run's context, stop signal, slots and runner. */
export interface MatrixScheduling {
  context: ExpressionContext;
  signal: AbortSignal;
  /** The run's concurrency: each leg takes a slot as a step does. */
  limit: LimitFunction;
  runner: StepRunner;
  /** Records a leg's end as a step of the run (settled, read by expressions, on the chart). */
  settleLeg(leg: ResolvedStep, result: Settled): Promise<void>;
}

/** Runs matrix steps to their ends (see runMatrixLegs, recordMatrixEnd). */
export function createMatrixRunner(
  options: StepRunnerOptions,
  scheduling: MatrixScheduling,
): (step: ResolvedStep) => Promise<Settled> {
  const { handle, narrator, resume } = options;
  const { context, signal, limit, runner, settleLeg } = scheduling;
  // The end of the longest chain is where the story peaks, as for the scheduler's steps.
  const climaxStepId =
    handle.workflow.steps.length > 1 ? handle.plan.criticalPath.at(-1) : undefined;
  return async (step) => {
    const outcome = await runMatrixLegs(step, {
      context,
      signal,
      kept: resume.kept,
      runLeg: (leg) => limit(() => (signal.aborted ? undefined : runner.run(leg))),
      failLeg: runner.fail,
      skipLeg: async (leg, reason, cause) => {
        handle.events.append('workflow.step.skipped', { stepId: leg.id, reason, cause });
        narrator.tellSkipped(leg, reason);
        const result: Settled = { status: 'skipped', cause };
        await settleLeg(leg, result);
        return result;
      },
      settleLeg,
    });
    return recordMatrixEnd(step, outcome, {
      events: handle.events,
      narrator,
      context,
      fail: runner.fail,
      getLogPath: (id) => getStepLogPath(handle.workspace, handle.runId, id),
      climaxStepId,
      hadTension: resume.hadTension,
    });
  };
}
