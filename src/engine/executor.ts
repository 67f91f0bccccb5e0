// The scheduler: starts each step the moment its dependencies are done, within a concurrency limit.

import pLimit from 'p-limit';
import type { ActionRegistry } from '../actions/registry.js';
import type { ChapterResult } from '../actions/types.js';
import type { ResolvedStep, ResolvedWorkflow } from '../definition/types.js';
import { serializeError } from '../errors.js';
import type { Narrator } from '../narrative/narrator.js';
import type { EventLog } from '../store/event-log.js';
import { type ExpressionContext, interpolate, isConditionTrue } from './expressions.js';
import type { GateKeeper } from './gates.js';
import { getPlan } from './plan-cache.js';
import { createRunContext, recordSettled } from './run-context.js';
import { runStep } from './run-step.js';
import { prepareStepInput } from './step-input.js';
import { StepLogWriter } from './step-log.js';
import { findGitDir, readHeadCommit } from './vcs.js';

/** How a step ended, as its dependents see it. */
type Settled =
  | { status: 'completed'; outputs: Record<string, unknown> }
  | { status: 'failed'; continueOnError: boolean }
  | { status: 'skipped'; cause: 'condition' | 'upstream' }
  | { status: 'interrupted' };

export interface ExecuteOptions {
  workflow: ResolvedWorkflow;
  registry: ActionRegistry;
  events: EventLog;
  narrator: Narrator;
  runId: string;
  workspace: string;
  inputs: Record<string, string>;
  concurrency: number;
  /** Aborted when the run is interrupted (SIGINT, SIGTERM). */
  signal: AbortSignal;
  /** Steps completed earlier in the run (on resume), with their outputs. */
  kept: ReadonlyMap<string, Record<string, unknown>>;
  /** When each step first started in this run, across resumes. */
  firstStartedAt: ReadonlyMap<string, string>;
  /** Steps that met a tension earlier in the run: their success is a transformation. */
  hadTension: ReadonlySet<string>;
  getLogPath(stepId: string): string;
  /** Opens the gates of approval steps. */
  gates: GateKeeper;
  /** Runs another workflow as a chapter of a step. */
  runChapter(
    stepId: string,
    ref: string,
    inputs: Record<string, string>,
    signal: AbortSignal,
    log: StepLogWriter,
  ): Promise<ChapterResult>;
}

export interface ExecuteResult {
  status: 'completed' | 'failed' | 'interrupted';
  failedSteps: string[];
}

/**
 * Runs a workflow's steps (less the kept ones) to the end, or until interrupted. When the event
 * log breaks (or the engine itself throws), every running step is stopped and this rejects with
 * that error once they have ended.
 */
export async function executeWorkflow(options: ExecuteOptions): Promise<ExecuteResult> {
  const { workflow, events } = options;
  // A broken event log (disk full, I/O error) stops every step: nothing could be recorded.
  let breakage: unknown;
  const stop = new AbortController();
  const signal = AbortSignal.any([options.signal, stop.signal]);
  const breakRun = (error: unknown) => {
    breakage ??= error;
    if (!stop.signal.aborted) stop.abort(error);
  };
  const stopFollowingLog = events.onBroken(breakRun);
  const steps = new Map(workflow.steps.map((step) => [step.id, step]));
  const { dependents, criticalPath } = getPlan(workflow);
  // The end of the longest chain is where the story peaks.
  const climaxStepId = workflow.steps.length > 1 ? criticalPath.at(-1) : undefined;
  let gitDirLookup: Promise<string | undefined> | undefined;
  const gitDirOnce = () => {
    gitDirLookup ??= findGitDir(options.workspace);
    return gitDirLookup;
  };
  const settled = new Map<string, Settled>();
  for (const [id, outputs] of options.kept) settled.set(id, { status: 'completed', outputs });
  let completedCount = settled.size;
  // One context for the whole run, updated as steps settle: never rebuilt per step.
  const context = createRunContext({
    inputs: options.inputs,
    runId: options.runId,
    workflowName: workflow.name,
    kept: options.kept,
  });
  const remaining = new Map<string, number>();
  const limit = pLimit(Math.max(1, options.concurrency));
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

  const reportProgress = () => {
    const total = workflow.steps.length;
    events.append('chart.progress', {
      completed: completedCount,
      total,
      percent: total === 0 ? 100 : Math.round((completedCount / total) * 100),
    });
  };

  const settle = async (id: string, result: Settled) => {
    settled.set(id, result);
    recordSettled(context, id, result);
    if (result.status === 'completed') completedCount++;
    reportProgress();
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
    if (step.when !== undefined) {
      let isTrue: boolean;
      try {
        isTrue = isConditionTrue(step.when, context);
      } catch (error) {
        return settle(step.id, fail(step, error));
      }
      if (!isTrue) {
        const reason = `its condition ${describeCondition(step.when)} is false`;
        events.append('workflow.step.skipped', { stepId: step.id, reason, cause: 'condition' });
        options.narrator.tellSkipped(step, reason);
        return settle(step.id, { status: 'skipped', cause: 'condition' });
      }
    }
    // The slot is free once the step has ended: the fsync of its end and the start of its
    // dependents (settle) need not hold up independent steps.
    const result = await limit(() => (signal.aborted ? undefined : launch(step)));
    if (result) await settle(step.id, result);
  };

  const fail = (step: ResolvedStep, error: unknown): Settled => {
    const serialized = serializeError(error);
    events.append('workflow.step.failed', {
      stepId: step.id,
      durationMs: 0,
      error: serialized,
      attempt: 0,
      interrupted: false,
      continueOnError: step.continueOnError,
    });
    options.narrator.tellTension(step, step.tension, serialized, options.getLogPath(step.id));
    return { status: 'failed', continueOnError: step.continueOnError };
  };

  const launch = async (step: ResolvedStep): Promise<Settled> => {
    const adapter = options.registry.get(step.action);
    if (!adapter) return fail(step, new Error(`Unknown action "${step.action}".`));
    let input: ReturnType<typeof prepareStepInput>;
    try {
      input = prepareStepInput(step, adapter, context);
    } catch (error) {
      return fail(step, error);
    }
    const logPath = options.getLogPath(step.id);
    const log = new StepLogWriter(logPath, events, step.id);
    const firstStartedAt = new Date(options.firstStartedAt.get(step.id) ?? Date.now());
    const gitDir = await gitDirOnce();
    const headBefore = gitDir ? await readHeadCommit(gitDir) : undefined;
    const outcome = await runStep({
      step,
      adapter,
      events,
      log,
      runSignal: signal,
      context: {
        with: input.with,
        expressionEnv: input.expressionEnv,
        env: input.env,
        inputs: options.inputs,
        workdir: options.workspace,
        stepId: step.id,
        runId: options.runId,
        firstStartedAt,
      },
      openGate: (prompt, gateSignal) =>
        options.gates.open(step.id, prompt, firstStartedAt, gateSignal),
      runChapter: (ref, inputs, chapterSignal) =>
        options.runChapter(step.id, ref, inputs, chapterSignal, log),
    });
    // A tension points at the step log: it says why even when the step printed nothing.
    if (outcome.kind === 'failed' && !outcome.interrupted) {
      log.info(`failed: ${outcome.error.message}`);
    }
    await log.close();
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
        ...(gitDir
          ? { vcs: { before: headBefore ?? null, after: (await readHeadCommit(gitDir)) ?? null } }
          : {}),
      });
      const overcame =
        outcome.attempt > 1
          ? `on attempt ${outcome.attempt}`
          : options.hadTension.has(step.id)
            ? 'after the run was resumed'
            : undefined;
      options.narrator.tellCompleted(step, beat, {
        durationMs: outcome.durationMs,
        outputs: outcome.outputs,
        overcame,
        isClimax: step.id === climaxStepId,
      });
      return { status: 'completed', outputs: outcome.outputs };
    }
    events.append('workflow.step.failed', {
      stepId: step.id,
      durationMs: outcome.durationMs,
      error: outcome.error,
      attempt: outcome.attempt,
      interrupted: outcome.interrupted,
      continueOnError: step.continueOnError,
      ...(gitDir
        ? { vcs: { before: headBefore ?? null, after: (await readHeadCommit(gitDir)) ?? null } }
        : {}),
    });
    if (outcome.interrupted) return { status: 'interrupted' };
    options.narrator.tellTension(step, tellText(step.tension, context), outcome.error, logPath);
    return { status: 'failed', continueOnError: step.continueOnError };
  };

  for (const step of workflow.steps) {
    if (settled.has(step.id)) continue;
    const open = step.dependsOn.filter((dep) => !options.kept.has(dep)).length;
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

  const failedSteps = [...settled]
    .filter(([, s]) => s.status === 'failed' && !s.continueOnError)
    .map(([id]) => id);
  const isComplete = workflow.steps.every((step) => settled.has(step.id));
  if (
    signal.aborted ||
    !isComplete ||
    [...settled.values()].some((s) => s.status === 'interrupted')
  ) {
    return { status: 'interrupted', failedSteps };
  }
  return { status: failedSteps.length > 0 ? 'failed' : 'completed', failedSteps };
}

function findBlocker(
  step: ResolvedStep,
  settled: ReadonlyMap<string, Settled>,
): { id: string; status: 'failed' | 'skipped' | 'interrupted' } | undefined {
  for (const dep of step.dependsOn) {
    const result = settled.get(dep);
    if (!result || result.status === 'interrupted') return { id: dep, status: 'interrupted' };
    if (result.status === 'failed' && !result.continueOnError) return { id: dep, status: 'failed' };
    if (result.status === 'skipped' && result.cause === 'upstream')
      return { id: dep, status: 'skipped' };
  }
  return undefined;
}

function tellText(text: string | undefined, context: ExpressionContext): string | undefined {
  if (text === undefined) return undefined;
  try {
    return String(interpolate(text, context));
  } catch {
    return text;
  }
}

function describeCondition(when: string | boolean): string {
  return typeof when === 'boolean' ? String(when) : `"${when}"`;
}
