// Moves a run's state forward by one event, so the page follows a run without re-fetching it.

import type { MiaEvent } from '../events/types.js';
import type { RunDetail, RunListItem, RunStepView } from '../server/protocol.js';

/** Events after which the run's shape may have changed: the page fetches the run again. */
export const STRUCTURAL_EVENT_TYPES: ReadonlySet<MiaEvent['type']> = new Set<MiaEvent['type']>([
  'workflow.started',
  'workflow.resumed',
  'workflow.completed',
  'workflow.failed',
  'workflow.interrupted',
  // A gate's command comes with the run as the server tells it.
  'workflow.step.waiting',
  'workflow.step.answered',
]);

function findStep(run: RunDetail, stepId: string): RunStepView | undefined {
  return run.steps.find((step) => step.id === stepId);
}

function applyStepEvent(run: RunDetail, event: MiaEvent): void {
  if (!('stepId' in event.payload) || event.type === 'workflow.step.log') return;
  const step = findStep(run, event.payload.stepId);
  if (!step) return;
  switch (event.type) {
    case 'workflow.step.started':
      Object.assign(step, { status: 'running', attempts: event.payload.attempt, error: null });
      step.gates = [];
      step.skipReason = null;
      break;
    case 'workflow.step.waiting': {
      const path = event.payload.gate ?? step.id;
      const others = step.gates.filter((gate) => gate.path !== path);
      step.gates = [...others, { path, prompt: event.payload.prompt, command: '' }];
      step.status = 'waiting';
      break;
    }
    case 'workflow.step.answered': {
      const path = event.payload.gate ?? step.id;
      step.gates = step.gates.filter((gate) => gate.path !== path);
      if (step.status === 'waiting' && step.gates.length === 0) step.status = 'running';
      break;
    }
    case 'workflow.step.completed':
      Object.assign(step, {
        status: 'completed',
        durationMs: event.payload.durationMs,
        error: null,
        gates: [],
      });
      break;
    case 'workflow.step.failed':
      step.status = event.payload.interrupted ? 'interrupted' : 'failed';
      step.gates = [];
      step.durationMs = event.payload.durationMs;
      step.error = { ...event.payload.error };
      break;
    case 'workflow.step.skipped':
      Object.assign(step, { status: 'skipped', skipReason: event.payload.reason });
      break;
    case 'workflow.tension':
      step.error = { ...event.payload.error };
      break;
    default:
      break;
  }
}

/** Applies the run-level part of an event (status, progress, duration) to a run or a history row. */
export function applyRunEvent(run: RunListItem, event: MiaEvent): void {
  run.updatedAt = event.timestamp;
  switch (event.type) {
    case 'workflow.started':
      run.status = 'running';
      break;
    case 'workflow.resumed':
      Object.assign(run, { status: 'running', durationMs: null });
      break;
    case 'chart.progress':
      Object.assign(run, {
        completed: event.payload.completedSteps,
        total: event.payload.totalSteps,
      });
      break;
    case 'workflow.completed':
      Object.assign(run, { status: 'completed', durationMs: event.payload.durationMs });
      break;
    case 'workflow.failed':
      Object.assign(run, { status: 'failed', durationMs: event.payload.durationMs });
      break;
    case 'workflow.interrupted':
      Object.assign(run, { status: 'interrupted', durationMs: event.payload.durationMs });
      break;
    default:
      break;
  }
}

/** Applies one event (of this run, newer than the state) to `run`, in place. */
export function applyEvent(run: RunDetail, event: MiaEvent): void {
  applyRunEvent(run, event);
  if (event.type === 'workflow.resumed') {
    for (const stepId of event.payload.rerun) {
      const step = findStep(run, stepId);
      if (step) Object.assign(step, { status: 'pending', error: null, skipReason: null });
    }
  }
  applyStepEvent(run, event);
}

/** The current reality in one sentence, told from the steps' live state. */
export function describeLiveReality(run: RunDetail): string {
  const total = run.steps.length;
  const done = run.steps.filter((step) => step.status === 'completed').length;
  if (run.status === 'completed') {
    if (done === total) return `The desired outcome is reached: all ${total} steps are complete.`;
    return `The desired outcome is reached: ${done} of ${total} steps are complete.`;
  }
  const parts = [`${done} of ${total} steps complete`];
  const failed = run.steps.filter((step) => step.status === 'failed');
  if (failed.length > 0) {
    const told = failed.map((step) => `${step.id} (${step.error?.message ?? 'failed'})`);
    parts.push(`tension at ${told.join(', ')}`);
  }
  const moving = run.steps.filter((step) => step.status === 'running' || step.status === 'waiting');
  if (moving.length > 0) {
    const told = moving.map((step) =>
      step.status === 'waiting' ? `${step.id} (waiting)` : step.id,
    );
    parts.push(`in motion: ${told.join(', ')}`);
  }
  if (run.status === 'interrupted') parts.push('interrupted');
  return `${parts.join('; ')}.`;
}
