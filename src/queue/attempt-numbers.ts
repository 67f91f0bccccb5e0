// Numbers a step's attempts across a run's sessions, so that each attempt has one job id: an
// attempt whose end an earlier session recorded is never dispatched again, and one it dispatched
// but never saw end (the coordinator died) gets the same id again, and is adopted, not re-run.

import type { MiaEvent } from '../events/types.js';
import { readEvents } from '../store/event-reader.js';
import { getEventsPath } from '../store/paths.js';

/** Events that record the end of one attempt of a step. */
const ATTEMPT_ENDS = new Set([
  'workflow.step.retrying',
  'workflow.step.completed',
  'workflow.step.failed',
]);

/** By step id: how many attempts the sessions before the current one recorded the end of. */
export type PriorAttempts = ReadonlyMap<string, number>;

/** Counts the attempt ends recorded before the current session began (its opening event). */
export function countPriorAttempts(events: readonly MiaEvent[]): PriorAttempts {
  let opening = -1;
  events.forEach((event, index) => {
    if (event.type === 'workflow.started' || event.type === 'workflow.resumed') opening = index;
  });
  const counts = new Map<string, number>();
  for (const event of events.slice(0, Math.max(0, opening))) {
    if (!ATTEMPT_ENDS.has(event.type)) continue;
    const stepId = (event.payload as { stepId?: string }).stepId;
    if (stepId !== undefined) counts.set(stepId, (counts.get(stepId) ?? 0) + 1);
  }
  return counts;
}

/** Reads the prior attempts of each run once (its first remote step). */
export class AttemptNumbers {
  readonly #runs = new Map<string, Promise<PriorAttempts>>();

  /** The number of `attempt` (counted in this session) of `stepId`, across the run's sessions. */
  async number(workspace: string, runId: string, stepId: string, attempt: number): Promise<number> {
    let prior = this.#runs.get(runId);
    if (prior === undefined) {
      prior = readEvents(getEventsPath(workspace, runId)).then((contents) =>
        countPriorAttempts(contents.events),
      );
      this.#runs.set(runId, prior);
    }
    return ((await prior).get(stepId) ?? 0) + attempt;
  }
}
