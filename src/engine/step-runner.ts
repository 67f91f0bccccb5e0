// Takes a ready step to its recorded end: evaluates its input, picks its executor, runs its
// attempts (step-attempts.ts), and records how it ended: events, beat or tension, log, HEAD moves.

import type { ExpressionContext } from '../definition/expressions/evaluate.js';
import type { ResolvedStep } from '../definition/types.js';
import type { Narrator } from '../narrative/narrator.js';
import { getStepLogPath } from '../store/paths.js';
import { chooseExecutor, type StepExecutor } from './executors/step-executor.js';
import type { GateKeeper } from './gates.js';
import type { ExecuteRunOptions, ResumeState, RunScope } from './lifecycle/types.js';
import { getStepContext } from './run-context.js';
import type { Settled } from './settled.js';
import { runStepAttempts } from './step-attempts.js';
import { checkStepCache, storeStepCache } from './step-cache-hook.js';
import { createStepEndRecorder, type StepEndRecorder } from './step-end.js';
import { prepareStepInput } from './step-input.js';
import { StepLogWriter } from './step-log.js';
import { findGitDir, readHeadCommit } from './vcs.js';

/** A run being executed: what running its steps needs. */
export interface StepRunnerOptions {
  handle: RunScope;
  /** What earlier sessions left (empty for a new run). */
  resume: ResumeState;
  /** How the run executes; its `executors` are asked in turn whether they take a step… */
  execution: ExecuteRunOptions;
  /** …and this one runs every step they decline. */
  local: StepExecutor;
  narrator: Narrator;
  /** Opens the gates of approval steps. */
  gates: GateKeeper;
}

/** Runs the steps of one run. */
export interface StepRunner {
  /** Runs `step` to its end and records it; resolves to how it settled. */
  run(step: ResolvedStep): Promise<Settled>;
  /** Records that `step` failed before it could run (a bad condition or input). */
  fail(step: ResolvedStep, error: unknown): Settled;
}

/** A runner for one run: `context` is the run's expression context, `signal` stops every step. */
export function createStepRunner(
  options: StepRunnerOptions,
  run: { context: ExpressionContext; signal: AbortSignal; climaxStepId: string | undefined },
): StepRunner {
  const { handle, execution } = options;
  const { context, signal } = run;
  const record: StepEndRecorder = createStepEndRecorder(options, run);
  let gitDirLookup: Promise<string | undefined> | undefined;
  const findGitDirOnce = () => {
    gitDirLookup ??= findGitDir(handle.workspace);
    return gitDirLookup;
  };

  const runStep = async (step: ResolvedStep): Promise<Settled> => {
    const adapter = execution.registry.get(step.action);
    if (!adapter) return record.failedEarly(step, new Error(`Unknown action "${step.action}".`));
    const executor = chooseExecutor(step, execution.executors ?? []) ?? options.local;
    let input: ReturnType<typeof prepareStepInput>;
    try {
      input = prepareStepInput(step, adapter, getStepContext(context, step));
    } catch (error) {
      return record.failedEarly(step, error);
    }
    const logPath = getStepLogPath(handle.workspace, handle.runId, step.id);
    const log = new StepLogWriter(logPath, handle.events, step.id);
    const firstStartedAt = new Date(options.resume.firstStartedAt.get(step.id) ?? Date.now());
    // A leg's key may read `${{ matrix.* }}`: the cache sees the step's own context.
    const stepContext = getStepContext(context, step);
    const cacheScope = { ...handle, workflow: handle.workflow.name, context: stepContext, log };
    const checkedAt = performance.now();
    const cached = execution.noCache ? undefined : await checkStepCache(step, input, cacheScope);
    if (cached && 'reused' in cached) {
      await log.close();
      const { outputs, ...mark } = cached.reused;
      const durationMs = Math.round(performance.now() - checkedAt);
      const reused = { kind: 'completed', outputs, attempt: 0, durationMs } as const;
      return record.ended(step, reused, { logPath, vcs: undefined, cache: { hit: true, ...mark } });
    }
    const gitDir = await findGitDirOnce();
    const headBefore = gitDir ? await readHeadCommit(gitDir) : undefined;
    const outcome = await runStepAttempts({
      step,
      executor,
      events: handle.events,
      log,
      runSignal: signal,
      context: {
        with: input.with,
        expressionEnv: input.expressionEnv,
        env: input.env,
        ...(input.shell === undefined ? {} : { shell: input.shell }),
        inputs: handle.inputs,
        workdir: handle.workspace,
        stepId: step.id,
        runId: handle.runId,
        firstStartedAt,
      },
      offer: (attemptSignal) => ({
        requestApproval: (prompt) =>
          options.gates.open(step.id, prompt, firstStartedAt, attemptSignal),
        runWorkflow: (ref, inputs) =>
          execution.runChapter({
            parent: handle,
            stepId: step.id,
            firstStartedAt,
            ref,
            inputs,
            signal: attemptSignal,
            log,
            execution,
          }),
      }),
    });
    // A tension points at the step log: it says why even when the step printed nothing.
    if (outcome.kind === 'failed' && !outcome.interrupted) {
      log.info(`failed: ${outcome.error.message}`);
    }
    const cache =
      outcome.kind === 'completed' && cached
        ? await storeStepCache(step, cached.fingerprint, outcome.outputs, cacheScope)
        : undefined;
    await log.close();
    const vcs = gitDir
      ? { before: headBefore ?? null, after: (await readHeadCommit(gitDir)) ?? null }
      : undefined;
    return record.ended(step, outcome, { logPath, vcs, cache });
  };

  return { run: runStep, fail: record.failedEarly };
}
