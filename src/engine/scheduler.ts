// The scheduler: hands each step to the step runner the moment its dependencies are done, within
// the run's concurrency limit; skips what a failure or a false condition leaves out.

import pLimit from 'p-limit';
import { isConditionTrue } from '../definition/expressions/evaluate.js';
import { readsMatrix } from '../definition/legs.js';
import type { ResolvedStep } from '../definition/types.js';
import { describeActionTitle } from '../narrative/chart.js';
import { createMatrixRunner } from './matrix-schedule.js';
import { createRunContext, recordSettled } from './run-context.js';
import { type ExecuteResult, findBlocker, type Settled, summarizeRun } from './settled.js';
import { createStepRunner, type StepRunnerOptions } from './step-runner.js';

/**
 * Runs a workflow's steps (less the kept ones) to the end, or until interrupted. When the event
 * log breaks (or the engine itself throws), every running step is stopped and this rejects with
 * that error once they have ended.
 */
export async function scheduleSteps(options: StepRunnerOptions): Promise<ExecuteResult> {
  const { workflow, plan, events, runId } = options.handle;
  const { kept } = options.resume;
  // A broken event log (disk full, I/O error) stops every step: nothing could be recorded.
  let breakage: unknown;
  const stop = new AbortController();
  const signal = AbortSignal.any([options.execution.signal, stop.signal]);
  const breakRun = (error: unknown) => {
    breakage ??= error;
    if (!stop.signal.aborted) stop.abort(error);
  };
  const stopFollowingLog = events.onBroken(breakRun);
  const steps = new Map(workflow.steps.map((step) => [step.id, step]));
  const { dependents, criticalPath } = plan;
  const settled = new Map<string, Settled>();
  for (const [id, outputs] of kept) settled.set(id, { status: 'completed', outputs });
  let completedCount = settled.size;
  // One context for the whole run, updated as steps settle: never rebuilt per step.
  const context = createRunContext({
    inputs: options.handle.inputs,
    runId,
    workflowName: workflow.name,
    kept,
  });
  const runner = createStepRunner(options, {
    context,
    signal,
    // The end of the longest chain is where the story peaks.
    climaxStepId: workflow.steps.length > 1 ? criticalPath.at(-1) : undefined,
  });
  const remaining = new Map<string, number>();
  const limit = pLimit(Math.max(1, options.handle.concurrency));
  let inFlight = 0;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });

  const track = (work: Promise<void>) => {
    inFlight++;
    void work.catch(breakRun).finally(() => {
      inFlight--;
      if (inFlight === 0) finish();
    });
  };

  // The chart moved: how far the run is, and the step that moved it (the mia chart progress).
  const reportProgress = (step: ResolvedStep, result: Settled) => {
    const total = workflow.steps.length;
    const completed = result.status === 'completed';
    events.append('chart.progress', {
      chartId: runId,
      title: workflow.name,
      completedSteps: completedCount,
      totalSteps: total,
      percent: total === 0 ? 100 : Math.round((completedCount / total) * 100),
      action: {
        id: step.id,
        title: describeActionTitle(step, completed ? result.beat : undefined),
        completed,
      },
    });
  };

  // A leg settles as a step of the run (expressions read it) but has no dependents of its own:
  // its step's wait for every leg.
  const settleLeg = async (leg: ResolvedStep, result: Settled) => {
    settled.set(leg.id, result);
    recordSettled(context, leg.id, result);
    reportProgress(leg, result);
    await events.flush();
  };

  const runMatrix = createMatrixRunner(options, { context, signal, limit, runner, settleLeg });

  const settle = async (id: string, result: Settled) => {
    settled.set(id, result);
    recordSettled(context, id, result);
    if (result.status === 'completed') completedCount++;
    reportProgress(steps.get(id)!, result);
    await events.flush();
    for (const dependent of dependents.get(id) ?? []) {
      // A dependent kept from before a resume is settled already: it never runs again.
      if (!remaining.has(dependent)) continue;
      const left = remaining.get(dependent)! - 1;
      remaining.set(dependent, left);
      if (left === 0) track(consider(steps.get(dependent)!));
    }
  };

  const consider = async (step: ResolvedStep): Promise<void> => {
    if (signal.aborted) return;
    const blocker = findBlocker(step, settled);
    if (blocker?.status === 'interrupted') return;
    if (blocker) {
      const reason = `upstream step "${blocker.id}" ${blocker.status === 'failed' ? 'failed' : 'was skipped'}`;
      events.append('workflow.step.skipped', { stepId: step.id, reason, cause: 'upstream' });
      options.narrator.tellSkipped(step, reason);
      return settle(step.id, { status: 'skipped', cause: 'upstream' });
    }
    // A condition that reads `matrix` is each leg's; any other is the step's, judged before its
    // matrix expands (so that a matrix from an empty upstream list can be passed by).
    if (step.strategy !== undefined && readsMatrix(step.when)) {
      return settle(step.id, await runMatrix(step));
    }
    if (step.when !== undefined) {
      let isTrue: boolean;
      try {
        isTrue = isConditionTrue(step.when, context);
      } catch (error) {
        return settle(step.id, runner.fail(step, error));
      }
      if (!isTrue) {
        const reason = `its condition ${describeCondition(step.when)} is false`;
        events.append('workflow.step.skipped', { stepId: step.id, reason, cause: 'condition' });
        options.narrator.tellSkipped(step, reason);
        return settle(step.id, { status: 'skipped', cause: 'condition' });
      }
    }
    if (step.strategy !== undefined) return settle(step.id, await runMatrix(step));
    // The slot is free once the step has ended: the fsync of its end and the start of its
    // dependents (settle) need not hold up independent steps.
    const result = await limit(() => (signal.aborted ? undefined : runner.run(step)));
    if (result) await settle(step.id, result);
  };

  for (const step of workflow.steps) {
    if (settled.has(step.id)) continue;
    const open = step.dependsOn.filter((dep) => !kept.has(dep)).length;
    remaining.set(step.id, open);
  }
  const ready = workflow.steps.filter((s) => !settled.has(s.id) && remaining.get(s.id) === 0);
  inFlight++;
  for (const step of ready) track(consider(step));
  inFlight--;
  if (inFlight === 0) finish();
  await finished;
  stopFollowingLog();
  if (breakage !== undefined) throw breakage;
  await events.flush();
  return summarizeRun(workflow, settled, signal.aborted);
}

function describeCondition(when: string | boolean): string {
  return typeof when === 'boolean' ? String(when) : `"${when}"`;
}
