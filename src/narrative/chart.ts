// The run as the mia STCChart (.mia/stc/<run-id>.json): desired outcome on top, current reality
// below, the steps between as action steps, and what happened on the way as observations.

import type { Universe } from '../definition/types.js';
import type { MiaEvent } from '../events/types.js';
import { formatDuration } from '../util/duration.js';
import { applyEvent, foldRunState } from '../view/fold.js';
import { describeReality } from '../view/reality.js';
import { listStepStates, type RunState, type StepState } from '../view/run-state.js';

/** Something the run met on the way (a tension, a turn, a resume, a step passed by). */
export interface StcObservation {
  /** The id of the event it comes from: the same in every rewrite of the chart. */
  id: string;
  text: string;
  timestamp: string;
  universe?: Universe;
}

/** One step of the run as an action step of the chart. */
export interface StcAction {
  id: string;
  title: string;
  /** Where the step stands, in a sentence. */
  reality: string;
  completed: boolean;
  /** Absent until the step is done. */
  completedAt?: string;
  order: number;
}

/** The mia STCChart shape (schemas/stc-chart.schema.json), with the run's id and workflow. */
export interface StcChart {
  id: string;
  outcome: string;
  reality: string;
  createdAt: string;
  updatedAt: string;
  actions: StcAction[];
  observations: StcObservation[];
  status: 'active' | 'resolved' | 'archived';
  metadata: { workspace: string; session: string };
  workflow: string;
  runId: string;
}

/** The chart of a run's current state; `observations` are what the run met so far (observe). */
export function buildChart(state: RunState, observations: readonly StcObservation[]): StcChart {
  return {
    id: state.runId,
    outcome: state.narrative,
    reality: describeReality(state),
    createdAt: state.startedAt,
    updatedAt: state.updatedAt,
    // A matrix step's legs are action steps of their own, after it, each titled with its id.
    actions: listStepStates(state).map((s, order) => {
      const step = state.steps.find((started) => started.id === (s.group ?? s.id));
      const title = describeActionTitle({ id: s.id, beat: step?.beat ?? null }, s.beatText);
      const isCompleted = s.status === 'completed';
      return {
        id: s.id,
        title: s.group === undefined || title.startsWith(s.id) ? title : `${s.id}: ${title}`,
        reality: describeActionReality(s),
        completed: isCompleted,
        ...(isCompleted && s.endedAt ? { completedAt: s.endedAt } : {}),
        order: order + 1,
      };
    }),
    observations: [...observations],
    status: state.status === 'completed' ? 'resolved' : 'active',
    metadata: { workspace: state.workspace, session: state.runId },
    workflow: state.workflow,
    runId: state.runId,
  };
}

/** The chart of a run from its whole event log (as the live chart ends up). */
export function buildChartFromEvents(events: readonly MiaEvent[]): StcChart {
  const state = foldRunState(events.slice(0, 1));
  const observations: StcObservation[] = [];
  for (const event of events.slice(1)) {
    applyEvent(state, event);
    const observation = observe(event, state);
    if (observation) observations.push(observation);
  }
  return buildChart(state, observations);
}

/**
 * What an event adds to the chart's observations, if anything. `state` is the run as of the
 * event (it gives the universe of a step passed by).
 */
export function observe(event: MiaEvent, state: RunState | undefined): StcObservation | undefined {
  const seen = (text: string, universe?: Universe | null): StcObservation => ({
    id: event.id,
    text,
    timestamp: event.timestamp,
    ...(universe ? { universe } : {}),
  });
  switch (event.type) {
    case 'workflow.tension': {
      const { stepId, text, error, universe } = event.payload;
      return seen(`Tension at ${stepId}: ${text} (${error.message})`, universe);
    }
    case 'beat.created': {
      const { beat } = event.payload;
      return beat.type === 'transformation' ? seen(beat.description, beat.universe) : undefined;
    }
    case 'workflow.resumed':
      return seen(`Resumed: ${event.payload.rerun.join(', ') || 'nothing'} run again.`);
    case 'workflow.step.skipped': {
      const { stepId, reason } = event.payload;
      const step = state?.steps.find((s) => s.id === stepId);
      return seen(`${stepId} passed by: ${reason}`, step?.universe);
    }
    default:
      return undefined;
  }
}

/** An action step's title: its beat as told, or as written (its expressions left out), or its id. */
export function describeActionTitle(
  step: { id: string; beat?: string | null },
  told: string | undefined,
): string {
  if (told) return told;
  const untold = step.beat?.replace(/\s*\$\{\{[^}]*\}\}/g, '…').trim();
  return untold || step.id;
}

/** Where a step stands, in a sentence. */
function describeActionReality(step: StepState | undefined): string {
  const took = step?.durationMs === undefined ? '' : ` in ${formatDuration(step.durationMs)}`;
  switch (step?.status ?? 'pending') {
    case 'completed':
      return `Done${took}.`;
    case 'running':
      return step && step.attempts > 1 ? `Running (attempt ${step.attempts}).` : 'Running.';
    case 'waiting':
      return 'Waiting at its gate for an answer.';
    case 'failed':
      return `${step?.continueOnError ? 'Failed (allowed to fail)' : 'Failed'}${took}: ${step?.error?.message ?? 'no reason given'}`;
    case 'skipped':
      return `Passed by: ${step?.skipReason ?? 'no reason given'}.`;
    case 'interrupted':
      return 'Interrupted; it runs again when the run is resumed.';
    default:
      return 'Not started yet.';
  }
}
