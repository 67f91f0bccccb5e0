// Retry delays: fixed or exponential backoff.

/** Longest delay between attempts, whatever the backoff says. */
export const MAX_RETRY_DELAY_MS = 10 * 60_000;

export interface RetryPolicy {
  attempts: number;
  delayMs: number;
  backoff: 'fixed' | 'exponential';
}

/** The delay before attempt `nextAttempt` (2 for the first retry). */
export function getRetryDelay(policy: RetryPolicy, nextAttempt: number): number {
  if (policy.backoff === 'fixed') return Math.min(policy.delayMs, MAX_RETRY_DELAY_MS);
  const factor = 2 ** Math.max(0, nextAttempt - 2);
  return Math.min(policy.delayMs * factor, MAX_RETRY_DELAY_MS);
}
