// The run as a structural tension chart: desired outcome on top, current reality below, steps between.

import type { MiaEvent } from '../events/types.js';
import type { RunState } from '../store/run-state.js';
import { describeReality } from './story.js';

/** The mia STCChart shape, written to `.mia/stc/<run-id>.json`. */
export interface StcChart {
  id: string;
  outcome: string;
  reality: string;
  actions: Array<{
    id: string;
    title: string;
    completed: boolean;
    completedAt: string | null;
    order: number;
  }>;
  observations: string[];
  status: 'active' | 'resolved';
  createdAt: string;
  updatedAt: string;
  workflow: string;
  runId: string;
}

/** The chart of a run's current state; `observations` are the run's tensions and turns so far. */
export function buildChart(state: RunState, observations: readonly string[]): StcChart {
  return {
    id: state.runId,
    outcome: state.narrative,
    reality: describeReality(state),
    actions: state.steps.map((step, order) => {
      const s = state.stepStates.get(step.id);
      return {
        id: step.id,
        title: s?.beatText ?? describeUntold(step.beat) ?? step.id,
        completed: s?.status === 'completed',
        completedAt: s?.status === 'completed' ? (s.endedAt ?? null) : null,
        order: order + 1,
      };
    }),
    observations: [...observations],
    status: state.status === 'completed' ? 'resolved' : 'active',
    createdAt: state.startedAt,
    updatedAt: state.updatedAt,
    workflow: state.workflow,
    runId: state.runId,
  };
}

/** What an event adds to the chart's observations, if anything. */
export function observe(event: MiaEvent): string | undefined {
  if (event.type === 'workflow.tension')
    return `Tension at ${event.payload.stepId}: ${event.payload.text} (${event.payload.error.message})`;
  if (event.type === 'beat.created' && event.payload.beat.type === 'transformation')
    return event.payload.beat.description;
  if (event.type === 'workflow.resumed')
    return `Resumed: ${event.payload.rerun.join(', ') || 'nothing'} run again.`;
  if (event.type === 'workflow.step.skipped')
    return `${event.payload.stepId} passed by: ${event.payload.reason}`;
  return undefined;
}

/** A beat not told yet: its expressions cannot be evaluated, so they are left out. */
function describeUntold(beat: string | null): string | undefined {
  if (!beat) return undefined;
  return beat.replace(/\s*\$\{\{[^}]*\}\}/g, '…').trim();
}
