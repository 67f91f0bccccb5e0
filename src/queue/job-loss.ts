// Whether a remote attempt's job can still end by itself: BullMQ moves a job whose worker stopped
// renewing its lock back to the queue marked as stalled (never to run again, with
// maxStalledCount 0), or fails it; either way its attempt is lost.

import type { CoordinatorQueues } from './queues.js';

/** Why the job `jobId` will never end by itself, or undefined while it may. */
export async function findJobLoss(
  queues: CoordinatorQueues,
  labels: readonly string[],
  jobId: string,
): Promise<string | undefined> {
  const job = await queues.getJob(labels, jobId);
  if (job === undefined) return 'the queue no longer holds its job (was Redis restarted empty?)';
  if (job.stalledCounter > 0 || job.deferredFailure) {
    // Nobody takes it again: it is removed, and the step's retry (or a resume) decides.
    await job.remove().catch(() => undefined);
    return 'its lock was not renewed in time, so BullMQ marked it stalled';
  }
  const state = await job.getState();
  if (state === 'failed') return `BullMQ failed its job: ${job.failedReason}`;
  return undefined;
}
