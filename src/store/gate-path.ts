// Gates by path: a gate of a run (`<gate-step>`), or one inside a chapter of it
// (`<chapter-step>/<gate-step>`, one more segment per chapter deeper), as `mia workflow approve` takes it.

import { createHash } from 'node:crypto';
import { getLegGroup } from '../definition/matrix.js';
import { MiaError } from '../errors.js';
import { isLegId, isRunStepId } from '../util/names.js';
import { formatSuggestion } from '../util/suggest.js';
import { formatApproveCommand } from '../view/gates.js';
import type { RunState } from '../view/run-state.js';
import { readRunState } from './load-run.js';

/**
 * The run id of the chapter that step `stepId` of run `runId` runs (`<run-id>-<step-id>`); a
 * matrix leg's is `<run-id>-<step-id>-<hash of the leg id>`, a plain name whatever its values.
 */
export function getChapterRunId(runId: string, stepId: string): string {
  const group = getLegGroup(stepId);
  if (group === undefined) return `${runId}-${stepId}`;
  return `${runId}-${group}-${createHash('sha256').update(stepId).digest('hex').slice(0, 12)}`;
}

/** The gate a path names: the run that holds it (the innermost chapter) and its step. */
export interface GateTarget {
  runId: string;
  stepId: string;
  state: RunState;
}

/**
 * Follows `path` from run `runId` through its chapters to the gate it names, and checks that the
 * gate waits. Throws a MiaError with a code that says what is wrong (MIA_STORE_BAD_STEP_ID,
 * MIA_GATE_NO_STEP, MIA_GATE_NOT_CHAPTER, MIA_GATE_NO_CHAPTER, MIA_GATE_NOT_WAITING) and how to
 * name the gate instead.
 */
export async function findWaitingGate(
  workspace: string,
  runId: string,
  path: string,
): Promise<GateTarget> {
  const split = path.split('/');
  // A matrix leg is named whole, even when its values hold the separator `/`.
  const segments = !split.every(isRunStepId) && isLegId(path) ? [path] : split;
  const bad = segments.find((segment) => !isRunStepId(segment));
  if (bad !== undefined) {
    throw new MiaError(
      'MIA_STORE_BAD_STEP_ID',
      `Invalid step id ${JSON.stringify(bad)} in "${path}".`,
      {
        hint: 'Name a gate by its step id (a matrix leg by `<step>(<values>)`), or `<chapter-step>/<gate-step>` for one inside a chapter.',
      },
    );
  }
  let current = runId;
  let state = (await readRunState(workspace, current)).state;
  for (const [index, segment] of segments.entries()) {
    const step = state.stepStates.get(segment);
    // A matrix leg is its step's: same action.
    const started = state.steps.find((candidate) => candidate.id === (step?.group ?? segment));
    if (!step || !started) {
      const ids = state.steps.map((candidate) => candidate.id);
      throw new MiaError(
        'MIA_GATE_NO_STEP',
        `Run ${current} has no step "${segment}".${formatSuggestion(segment, ids)}`,
        { hint: `Steps: ${ids.join(', ')}.` },
      );
    }
    if (index === segments.length - 1) {
      checkWaiting(runId, path, segment, {
        runId: current,
        status: step.status,
        gates: step.gates,
      });
      return { runId: current, stepId: segment, state };
    }
    if (started.action !== 'workflow') {
      throw new MiaError(
        'MIA_GATE_NOT_CHAPTER',
        `Step "${segment}" of run ${current} is not a chapter (action workflow), so "${path}" names no gate.`,
        { hint: `See what waits with: mia workflow status ${runId}` },
      );
    }
    const chapter = getChapterRunId(current, segment);
    try {
      state = (await readRunState(workspace, chapter)).state;
    } catch {
      throw new MiaError(
        'MIA_GATE_NO_CHAPTER',
        `Step "${segment}" of run ${current} has not started its chapter yet.`,
        { hint: `See what waits with: mia workflow status ${runId}` },
      );
    }
    current = chapter;
  }
  throw new Error('unreachable: a path has at least one segment');
}

function checkWaiting(
  rootRunId: string,
  path: string,
  stepId: string,
  {
    runId,
    status,
    gates,
  }: { runId: string; status: string; gates: ReadonlyArray<{ path: string }> },
): void {
  const isOwnGate = gates.some((gate) => gate.path === stepId);
  if (status === 'waiting' && isOwnGate) return;
  const prefix = path.slice(0, path.length - stepId.length);
  const inside = gates.map((gate) => formatApproveCommand(rootRunId, `${prefix}${gate.path}`));
  if (status === 'waiting' && inside.length > 0) {
    throw new MiaError(
      'MIA_GATE_NOT_WAITING',
      `Step "${stepId}" of run ${runId} waits at a gate inside its chapter, not at a gate of its own.`,
      { hint: `Answer it with: ${inside.join(' or ')}` },
    );
  }
  throw new MiaError(
    'MIA_GATE_NOT_WAITING',
    `Step "${stepId}" of run ${runId} is not waiting at a gate (it is ${status}).`,
    { hint: `See what waits with: mia workflow status ${rootRunId}` },
  );
}
