// A run in full, as the HTTP API answers it and the page draws it: each step's state, the plan,
// the tensions, the gates with their commands, and the current reality.

import type { RunDetail, RunStepView, TensionView } from '../server/protocol.js';
import { formatApproveCommand, type RootRun } from './gates.js';
import { describeReality } from './reality.js';
import { listShownSteps, type RunState, type StepState } from './run-state.js';
import { getShownStatus, toListItem } from './summary.js';

/** What the events alone do not say: whether a process holds the run, its plan, where logs are. */
export interface DetailContext {
  /** A live process holds the run (else a run that has not ended has crashed). */
  isLive: boolean;
  levels: string[][];
  criticalPath: string[];
  /** The step's log file, relative to the workspace. */
  getLogPath(stepId: string): string;
  root: RootRun;
}

/** The run with its steps, plan, tensions and current reality. */
export function toRunDetail(state: RunState, context: DetailContext): RunDetail {
  const status = getShownStatus(state, context.isLive);
  const shown = listShownSteps(state, status);
  const started = new Map(state.steps.map((step) => [step.id, step]));
  const legsOf = new Map<string, string[]>();
  for (const s of shown) {
    if (s.group === undefined) continue;
    const legs = legsOf.get(s.group);
    if (legs) legs.push(s.id);
    else legsOf.set(s.group, [s.id]);
  }
  // Each matrix leg follows its step, with its step's action, universe, beat and dependencies.
  const pairs = shown.flatMap((s): [StepState, RunStepView][] => {
    const step = started.get(s.group ?? s.id);
    if (step === undefined) return [];
    const view: RunStepView = {
      id: s.id,
      action: step.action,
      universe: step.universe,
      beat: step.beat,
      dependsOn: step.depends_on,
      status: s.status,
      attempts: s.attempts,
      durationMs: s.durationMs ?? null,
      error: s.error ?? null,
      skipReason: s.skipReason ?? null,
      reusedFrom: s.reusedFrom ?? null,
      continueOnError: s.continueOnError,
      logPath: context.getLogPath(getLogStep(s, legsOf.get(s.id), shown)),
      gates: s.gates.map((gate) => ({
        ...gate,
        command: formatApproveCommand(context.root.runId, `${context.root.prefix}${gate.path}`),
      })),
      ...(s.group === undefined ? {} : { group: s.group }),
      ...(s.matrix === undefined ? {} : { matrix: s.matrix }),
      ...(s.group === undefined && step.legs !== undefined
        ? { legs: legsOf.get(step.id) ?? [] }
        : {}),
    };
    return [[s, view]];
  });
  const steps = pairs.map(([, view]) => view);
  return {
    ...toListItem(state, context.isLive),
    steps,
    levels: context.levels,
    criticalPath: context.criticalPath,
    reality: describeReality(state, status),
    lastSeq: state.lastSeq,
    tensions: listTensions(pairs, state.updatedAt),
    root: context.root,
  };
}

/**
 * The tensions to show: those told, and any failed step that none told (a log from before
 * tensions were told); open ones first.
 */
function listTensions(
  steps: ReadonlyArray<[StepState | undefined, RunStepView]>,
  updatedAt: string,
): TensionView[] {
  const tensions: TensionView[] = [];
  for (const [state, step] of steps) {
    const told = state?.tension;
    if (told) {
      tensions.push({ stepId: step.id, ...told, logPath: step.logPath });
    } else if (state?.status === 'failed' && state.error) {
      tensions.push({
        stepId: step.id,
        universe: step.universe,
        text: `${step.id} failed`,
        message: state.error.message,
        hint: state.error.hint,
        logPath: step.logPath,
        timestamp: updatedAt,
        isResolved: false,
      });
    }
  }
  // In the order they were told, open ones first.
  return tensions.sort(
    (a, b) => Number(a.isResolved) - Number(b.isResolved) || a.timestamp.localeCompare(b.timestamp),
  );
}

/** Whose log tells a step: its own, or a matrix step's first failed leg (else its first leg). */
function getLogStep(
  step: StepState,
  legs: readonly string[] | undefined,
  shown: readonly StepState[],
): string {
  if (legs === undefined || legs.length === 0) return step.id;
  const failed = shown.find((s) => s.group === step.id && s.status === 'failed');
  return failed?.id ?? legs[0] ?? step.id;
}
