// The part of the fold that moves one step: started, waiting, answered, completed, failed,
// skipped, told as a tension; and the reset of the steps a resume runs again.

import { getLegGroup } from '../definition/matrix.js';
import type { MiaEvent, StartedStep } from '../events/types.js';
import { createStepState, type RunState, type StepState } from './run-state.js';

/** Applies a step's event to its state (events of no step are left alone). */
export function applyStepEvent(state: RunState, event: MiaEvent): void {
  switch (event.type) {
    case 'workflow.step.started': {
      const step = getStep(state, event.payload.stepId);
      step.status = 'running';
      step.attempts += 1;
      step.attempt = event.payload.attempt;
      step.startedAt = event.timestamp;
      step.worker = event.payload.worker;
      step.firstStartedAt ??= event.timestamp;
      step.error = undefined;
      step.skipReason = undefined;
      step.gates = [];
      if (event.payload.matrix) step.matrix = event.payload.matrix;
      // A matrix step runs while any of its legs does.
      const group = step.group === undefined ? undefined : state.stepStates.get(step.group);
      if (group && group.status === 'pending') {
        group.status = 'running';
        group.attempts += 1;
        group.startedAt = event.timestamp;
        group.firstStartedAt ??= event.timestamp;
      }
      break;
    }
    case 'workflow.step.waiting': {
      const step = getStep(state, event.payload.stepId);
      const path = event.payload.gate ?? event.payload.stepId;
      step.gates = [
        ...step.gates.filter((gate) => gate.path !== path),
        { path, prompt: event.payload.prompt },
      ];
      step.status = 'waiting';
      break;
    }
    case 'workflow.step.answered': {
      const step = getStep(state, event.payload.stepId);
      const path = event.payload.gate ?? event.payload.stepId;
      step.gates = step.gates.filter((gate) => gate.path !== path);
      if (step.status === 'waiting' && step.gates.length === 0) step.status = 'running';
      break;
    }
    case 'workflow.step.completed': {
      const step = getStep(state, event.payload.stepId);
      step.status = 'completed';
      step.gates = [];
      step.outputs = event.payload.outputs;
      step.durationMs = event.payload.durationMs;
      step.endedAt = event.timestamp;
      step.error = undefined;
      step.beatText = event.payload.beat;
      step.reusedFrom = event.payload.cache?.hit ? event.payload.cache.from : undefined;
      if (step.tension) step.tension.isResolved = true;
      if (event.payload.legs) keepLegs(state, step.id, event.payload.legs);
      break;
    }
    case 'workflow.step.failed': {
      const step = getStep(state, event.payload.stepId);
      step.status = event.payload.interrupted ? 'interrupted' : 'failed';
      step.gates = [];
      step.error = event.payload.error;
      step.outputs = event.payload.outputs ?? {};
      step.durationMs = event.payload.durationMs;
      step.endedAt = event.timestamp;
      step.continueOnError = event.payload.continueOnError;
      if (event.payload.legs) keepLegs(state, step.id, event.payload.legs);
      break;
    }
    case 'workflow.step.skipped': {
      const step = getStep(state, event.payload.stepId);
      step.status = 'skipped';
      step.skipReason = event.payload.reason;
      // A matrix step passed by passes by its legs, which never start.
      for (const leg of state.stepStates.values()) {
        if (leg.group === step.id && leg.status === 'pending') {
          leg.status = 'skipped';
          leg.skipReason = event.payload.reason;
        }
      }
      break;
    }
    case 'workflow.tension': {
      const { stepId, text, universe, error, logPath } = event.payload;
      const step = getStep(state, stepId);
      step.hadTension = true;
      step.tension = {
        text,
        universe,
        message: error.message,
        hint: error.hint,
        logPath,
        timestamp: event.timestamp,
        isResolved: false,
      };
      break;
    }
    default:
      break;
  }
}

/**
 * Makes `steps` the run's steps: those in `rerun` (and new ones) start over as pending, the others
 * keep their state. A step that runs again keeps how often it ran and what tension it met.
 */
export function resetSteps(
  state: RunState,
  steps: readonly StartedStep[],
  rerun: readonly string[],
): void {
  const previous = state.stepStates;
  const reset = new Set(rerun);
  state.stepStates = new Map();
  const keep = (id: string, group?: string) => {
    const before = previous.get(id);
    if (before && !reset.has(id)) {
      state.stepStates.set(id, before);
      return;
    }
    const fresh = createStepState(id);
    if (group !== undefined) fresh.group = group;
    if (before?.matrix) fresh.matrix = before.matrix;
    // A re-run keeps when it first started, so a durable wait resumes where it was.
    if (before && before.status !== 'completed') fresh.firstStartedAt = before.firstStartedAt;
    fresh.attempts = before?.attempts ?? 0;
    fresh.hadTension = before?.hadTension ?? false;
    fresh.tension = before?.tension;
    state.stepStates.set(id, fresh);
  };
  for (const step of steps) {
    keep(step.id);
    if (step.legs === undefined) continue;
    // A matrix step's legs follow it: those it lists (written out), then those that ran before.
    const legs = new Set(step.legs);
    for (const before of previous.values()) if (before.group === step.id) legs.add(before.id);
    for (const leg of legs) keep(leg, step.id);
  }
}

/** A matrix step ran as `legs`: legs of an earlier expansion that it no longer has are gone. */
function keepLegs(state: RunState, stepId: string, legs: readonly string[]): void {
  const kept = new Set(legs);
  for (const [id, leg] of state.stepStates) {
    if (leg.group === stepId && !kept.has(id)) state.stepStates.delete(id);
  }
}

function getStep(state: RunState, id: string): StepState {
  let step = state.stepStates.get(id);
  if (!step) {
    step = createStepState(id);
    const group = getLegGroup(id);
    if (group !== undefined && state.steps.some((s) => s.id === group)) step.group = group;
    state.stepStates.set(id, step);
  }
  return step;
}
