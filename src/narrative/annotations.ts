// What each universe has to say about a beat (a StoryBeat's `universeAnnotations`): a line per
// universe, and only where it has something true to add; a universe with nothing to say is absent.

import { relative } from 'node:path';
import type { ResolvedStep, Universe } from '../definition/types.js';
import type { SerializedError } from '../errors.js';
import type { Beat } from '../events/types.js';
import { formatDuration } from '../util/duration.js';
import type { Fact } from './facts.js';

export type Annotations = Beat['universeAnnotations'];

/** Error codes of a gate or review that people answered: the ceremony tells who and why. */
const CEREMONY_ERRORS: ReadonlySet<string> = new Set([
  'MIA_GATE_REJECTED',
  'MIA_REVIEW_CHANGES_REQUESTED',
  'MIA_REVIEW_TIMEOUT',
]);

/** How a step completed, as the narrator is told. */
export interface CompletedOutcome {
  durationMs: number;
  outputs: Record<string, unknown>;
  attempt: number;
  /** How the step overcame an earlier failure (`on attempt 2`, `after the run was resumed`). */
  overcame: string | undefined;
  isClimax: boolean;
  /** Set when the step did not run: the run whose cached result it reused. */
  reusedFrom?: string;
}

/** A completed step: its facts by universe, its time for the engineer, its turn for the story. */
export function annotateCompleted(
  step: ResolvedStep,
  facts: readonly Fact[],
  outcome: CompletedOutcome,
): Annotations {
  const lines = createLines();
  for (const fact of facts) lines[fact.universe ?? step.universe].push(fact.text);
  if (lines.engineer.length > 0 || step.universe === 'engineer') {
    const took = formatDuration(outcome.durationMs);
    lines.engineer.push(outcome.attempt > 1 ? `${took}, on attempt ${outcome.attempt}` : took);
  }
  if (outcome.reusedFrom) lines.engineer.push(`reused from run ${outcome.reusedFrom}`);
  if (outcome.overcame) lines.story.push(`it failed before, and succeeds ${outcome.overcame}`);
  if (outcome.isClimax) lines.story.push('the end of the longest chain of steps: the story peaks');
  return joinLines(lines);
}

/** A failed step: where to look for the engineer, who answered for the ceremony, what follows for the story. */
export function annotateTension(
  step: ResolvedStep,
  error: SerializedError,
  failure: { attempt: number; logPath: string; workspace: string },
): Annotations {
  const lines = createLines();
  if (failure.attempt === 0) lines.engineer.push('failed before it could run');
  else {
    if (failure.attempt > 1) lines.engineer.push(`failed on attempt ${failure.attempt}`);
    lines.engineer.push(`full log: ${relative(failure.workspace, failure.logPath)}`);
  }
  if (error.code && CEREMONY_ERRORS.has(error.code)) lines.ceremony.push(error.message);
  if (step.continueOnError) {
    lines.story.push('allowed to fail (continue_on_error): the story goes on');
  }
  return joinLines(lines);
}

/** The run begins: the shape of the work for the engineer. */
export function annotateOpening(steps: number, concurrency: number): Annotations {
  const plural = steps === 1 ? 'step' : 'steps';
  return { engineer: `${steps} ${plural}, at most ${concurrency} at once` };
}

/** The run reached its outcome: what the steps came to, and how long it took. */
export function annotateResolution(summary: {
  total: number;
  completed: number;
  skipped: number;
  failed: number;
  durationMs: number;
  sessions: number;
}): Annotations {
  const parts = [`${summary.completed} of ${summary.total} steps completed`];
  if (summary.skipped > 0) parts.push(`${summary.skipped} passed by`);
  if (summary.failed > 0) parts.push(`${summary.failed} failed, allowed to`);
  const sessions = summary.sessions > 1 ? ` over ${summary.sessions} sessions` : '';
  return { engineer: `${parts.join(', ')}; ${formatDuration(summary.durationMs)}${sessions}` };
}

function createLines(): Record<Universe, string[]> {
  return { engineer: [], ceremony: [], story: [] };
}

function joinLines(lines: Record<Universe, string[]>): Annotations {
  const annotations: Annotations = {};
  for (const universe of Object.keys(lines) as Universe[]) {
    if (lines[universe].length > 0) annotations[universe] = lines[universe].join('; ');
  }
  return annotations;
}
