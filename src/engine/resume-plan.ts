// Decides which steps a resumed run re-runs and which keep their outputs (contract section 6),
// and gathers what the earlier sessions leave to the new one.

import type { LoadedWorkflow } from '../definition/loaded-workflow.js';
import { getLegGroup } from '../definition/matrix.js';
import type { ResolvedWorkflow } from '../definition/types.js';
import { getDownstream } from '../plan/plan.js';
import { getRunningMsSoFar } from '../view/fold.js';
import type { RunState } from '../view/run-state.js';
import type { ResumeState } from './lifecycle/types.js';

export interface ResumePlan {
  rerun: string[];
  kept: string[];
  /** Steps re-run because their definition changed (or were added). */
  changed: string[];
  /** Completed steps re-run because what they checked moved since, with why. */
  outdated: Record<string, string>;
  definitionChanged: boolean;
}

/**
 * Completed steps whose definition is unchanged are kept; everything else runs, and so does
 * everything downstream of a changed or outdated step or of `from` (a step, or several). A matrix
 * step that runs again re-runs only its legs that did not complete, unless it changed, is
 * downstream of what runs again, or is `from` itself; `from` a leg (`test(22, linux)`) re-runs
 * that leg, its step's other unfinished legs, and what is downstream of its step.
 */
export function planResume(
  state: RunState,
  { workflow, plan }: Pick<LoadedWorkflow, 'workflow' | 'plan'>,
  from: string | readonly string[] | undefined,
  outdated: Record<string, string> = {},
): ResumePlan {
  const previous = new Map(state.steps.map((step) => [step.id, step]));
  const changed = workflow.steps
    .filter((step) => previous.get(step.id)?.hash !== step.hash)
    .map((step) => step.id);
  const current = new Set(workflow.steps.map((step) => step.id));
  const removed = state.steps.some((step) => !current.has(step.id));
  const dependencyChanged = workflow.steps.some((step) => {
    const before = previous.get(step.id);
    return before !== undefined && before.depends_on.join('\0') !== step.dependsOn.join('\0');
  });

  const fromIds = [from ?? []].flat();
  const fromLegs = new Set(fromIds.filter((id) => getLegGroup(id) !== undefined));
  const forced = getDownstream(
    [...changed, ...Object.keys(outdated), ...fromIds.filter((id) => !fromLegs.has(id))],
    plan.dependents,
  );
  const legForced = getDownstream(
    [...fromLegs].map((id) => getLegGroup(id)!),
    plan.dependents,
  );
  const rerun: string[] = [];
  const kept: string[] = [];
  for (const step of workflow.steps) {
    const isDone = state.stepStates.get(step.id)?.status === 'completed';
    const isForced = forced.has(step.id);
    const isKept = isDone && !isForced && !legForced.has(step.id);
    (isKept ? kept : rerun).push(step.id);
    if (step.strategy === undefined) continue;
    for (const leg of state.stepStates.values()) {
      if (leg.group !== step.id) continue;
      const isLegDone =
        isKept || (leg.status === 'completed' && !isForced && !fromLegs.has(leg.id));
      (isLegDone ? kept : rerun).push(leg.id);
    }
  }
  return {
    rerun,
    kept,
    changed,
    outdated,
    definitionChanged: changed.length > 0 || removed || dependencyChanged,
  };
}

/**
 * What the earlier sessions of `state` leave to the session that resumes it by `plan`: the kept
 * steps' outputs, when each step that runs again first started (unless its definition changed),
 * the steps that met a tension, and the time already spent running.
 */
export function collectResumeState(state: RunState, plan: ResumePlan): ResumeState {
  const kept = new Map<string, Record<string, unknown>>();
  const firstStartedAt = new Map<string, string>();
  const hadTension = new Set<string>();
  const changed = new Set(plan.changed);
  const keptIds = new Set(plan.kept);
  for (const [id, step] of state.stepStates) {
    if (keptIds.has(id)) kept.set(id, step.outputs);
    if (step.firstStartedAt && step.status !== 'completed' && !changed.has(id)) {
      firstStartedAt.set(id, step.firstStartedAt);
    }
    if (step.hadTension) hadTension.add(id);
  }
  return { kept, firstStartedAt, hadTension, priorRunningMs: getRunningMsSoFar(state) };
}

/** Whether `id` names a step of the workflow, or a leg that its matrix step ran (or lists). */
export function isStepOfRun(state: RunState, workflow: ResolvedWorkflow, id: string): boolean {
  if (workflow.steps.some((step) => step.id === id)) return true;
  const leg = state.stepStates.get(id);
  return leg?.group !== undefined && workflow.steps.some((s) => s.id === leg.group && s.strategy);
}
