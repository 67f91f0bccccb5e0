// The words and numbers every surface shows a run with: its status, its progress, a step's
// status and attempts (durations: util/duration.ts's formatDuration, the one formatter).

import type { ShownRunStatus, StepStatus } from '../events/statuses.js';

/** A step's status in words. */
export const STEP_STATUS_WORDS: Record<StepStatus, string> = {
  pending: 'pending',
  running: 'running',
  waiting: 'waiting for approval',
  completed: 'completed',
  failed: 'failed',
  skipped: 'skipped',
  interrupted: 'interrupted',
};

/** A run's status in a word or two: `running (pid N)`, `crashed (resumable)`, `failed`, … */
export function describeRunStatus(run: {
  status: ShownRunStatus;
  ownerPid?: number | null;
}): string {
  if (run.status === 'running' && run.ownerPid) return `running (pid ${run.ownerPid})`;
  if (run.status === 'crashed') return 'crashed (resumable)';
  return run.status;
}

/** How far a run is: `3/5`. */
export function formatProgress(run: { completed: number; total: number }): string {
  return `${run.completed}/${run.total}`;
}

/** How often a step started, when more than once: `3 attempts`. */
export function formatAttempts(attempts: number): string {
  return attempts > 1 ? `${attempts} attempts` : '';
}

/** Whether a run in this status can be resumed. */
export function isResumable(status: ShownRunStatus): boolean {
  return status === 'failed' || status === 'interrupted' || status === 'crashed';
}
