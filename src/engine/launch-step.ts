// Launches one step and records how it ended: its events, its beat or tension, its log.

import type { ActionRegistry } from '../actions/registry.js';
import type { ChapterResult } from '../actions/types.js';
import { type ExpressionContext, interpolate } from '../definition/expressions/evaluate.js';
import type { ResolvedStep } from '../definition/types.js';
import { serializeError } from '../errors.js';
import type { Narrator } from '../narrative/narrator.js';
import type { EventLog } from '../store/event-log.js';
import type { GateKeeper } from './gates.js';
import { recordSettled } from './run-context.js';
import { runStep } from './run-step.js';
import type { Settled } from './settled.js';
import { prepareStepInput } from './step-input.js';
import { StepLogWriter } from './step-log.js';
import { findGitDir, readHeadCommit } from './vcs.js';

/** What launching a step needs from the run. */
export interface LaunchOptions {
  registry: ActionRegistry;
  events: EventLog;
  narrator: Narrator;
  runId: string;
  workspace: string;
  inputs: Record<string, string>;
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

/** Launches the steps of one run. */
export interface StepLauncher {
  /** Runs `step` to its end and records it; resolves to how it settled. */
  launch(step: ResolvedStep): Promise<Settled>;
  /** Records that `step` failed before it could run (a bad condition or input). */
  fail(step: ResolvedStep, error: unknown): Settled;
}

/** A launcher for one run: `context` is the run's expression context, `signal` stops every step. */
export function createStepLauncher(
  options: LaunchOptions,
  run: { context: ExpressionContext; signal: AbortSignal; climaxStepId: string | undefined },
): StepLauncher {
  const { events, narrator } = options;
  const { context, signal } = run;
  let gitDirLookup: Promise<string | undefined> | undefined;
  const findGitDirOnce = () => {
    gitDirLookup ??= findGitDir(options.workspace);
    return gitDirLookup;
  };

  const fail = (step: ResolvedStep, error: unknown): Settled => {
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
      logPath: options.getLogPath(step.id),
      attempt: 0,
    });
    return { status: 'failed', continueOnError: step.continueOnError, outputs: {} };
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
    const gitDir = await findGitDirOnce();
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
        ...(input.shell === undefined ? {} : { shell: input.shell }),
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
    const vcs = gitDir
      ? { vcs: { before: headBefore ?? null, after: (await readHeadCommit(gitDir)) ?? null } }
      : {};
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
      });
      const overcame =
        outcome.attempt > 1
          ? `on attempt ${outcome.attempt}`
          : options.hadTension.has(step.id)
            ? 'after the run was resumed'
            : undefined;
      narrator.tellCompleted(step, beat, {
        durationMs: outcome.durationMs,
        outputs: outcome.outputs,
        attempt: outcome.attempt,
        overcame,
        isClimax: step.id === run.climaxStepId,
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
      logPath,
      attempt: outcome.attempt,
    });
    return { status: 'failed', continueOnError: step.continueOnError, outputs: outcome.outputs };
  };

  return { launch, fail };
}

function tellText(text: string | undefined, context: ExpressionContext): string | undefined {
  if (text === undefined) return undefined;
  try {
    return String(interpolate(text, context));
  } catch {
    return text;
  }
}
