// The current reality of a run in one sentence: the chart's bottom line on every surface (page,
// story.md, the STC chart file, the HTTP API).

import type { ShownRunStatus } from '../events/statuses.js';
import { stripControlSequences as plain } from '../util/terminal-text.js';
import { isUnresolvedFailure, listShownSteps, type RunState } from './run-state.js';

/**
 * The current reality of a run in one sentence; `status` is the run's as shown (a crashed run's
 * steps that were running are interrupted).
 */
export function describeReality(state: RunState, status: ShownRunStatus = state.status): string {
  const steps = listShownSteps(state, status);
  // A matrix step counts once; its legs are told where they hold a tension or move.
  const counted = steps.filter((step) => step.group === undefined);
  const done = counted.filter((step) => step.status === 'completed').length;
  const total = counted.length;
  if (status === 'completed') {
    if (done === total) return `The desired outcome is reached: all ${total} steps are complete.`;
    // Steps passed by or allowed to fail are not complete: say so, never "all".
    return `The desired outcome is reached: ${done} of ${total} steps are complete.`;
  }
  const failed = steps.filter(isUnresolvedFailure);
  const moving = steps.filter((step) => step.status === 'running' || step.status === 'waiting');
  const parts = [`${done} of ${total} steps complete`];
  if (failed.length > 0) {
    const told = failed.map((step) => `${step.id} (${plain(step.error?.message ?? 'failed')})`);
    parts.push(`tension at ${told.join(', ')}`);
  }
  if (moving.length > 0) {
    const told = moving.map((step) => `${step.id}${step.status === 'waiting' ? ' (waiting)' : ''}`);
    parts.push(`in motion: ${told.join(', ')}`);
  }
  if (status === 'interrupted' || status === 'crashed') parts.push('interrupted');
  return `${parts.join('; ')}.`;
}
