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
  const shown = new Map(listShownSteps(state, status).map((step) => [step.id, step]));
  const pairs = state.steps.map((step): [StepState | undefined, RunStepView] => {
    const s = shown.get(step.id);
    const view: RunStepView = {
      id: step.id,
      action: step.action,
      universe: step.universe,
      beat: step.beat,
      dependsOn: step.depends_on,
      status: s?.status ?? 'pending',
      attempts: s?.attempts ?? 0,
      durationMs: s?.durationMs ?? null,
      error: s?.error ?? null,
      skipReason: s?.skipReason ?? null,
      reusedFrom: s?.reusedFrom ?? null,
      continueOnError: s?.continueOnError ?? false,
      logPath: context.getLogPath(step.id),
      gates: (s?.gates ?? []).map((gate) => ({
        ...gate,
        command: formatApproveCommand(context.root.runId, `${context.root.prefix}${gate.path}`),
      })),
    };
    return [s, view];
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
