// `--queue URL` / MIA_QUEUE on `run` and `resume`: opens the queue step executor that dispatches
// steps to workers, after checking the workspace's commit (`--allow-dirty`) and Redis.

import type { StepExecutor } from '../engine/executors/step-executor.js';
import { stripControlSequences as plain } from '../util/terminal-text.js';
import type { CommandContext } from './context.js';

/** The variable that gives `--queue` when the option is absent. */
export const QUEUE_VARIABLE = 'MIA_QUEUE';

export interface QueueOptions {
  queue?: string;
  allowDirty?: boolean;
}

/**
 * Runs `work` with the executors a run needs: the queue's when `--queue` or MIA_QUEUE names one
 * (closed when `work` ends), none otherwise.
 */
export async function withQueueExecutors<T>(
  ctx: CommandContext,
  options: QueueOptions,
  work: (executors: StepExecutor[]) => Promise<T>,
): Promise<T> {
  const given = options.queue ?? process.env[QUEUE_VARIABLE];
  if (given === undefined || given === '') return work([]);
  // BullMQ and ioredis load only for a run that uses a queue.
  const { checkQueueUrl, maskQueueUrl } = await import('../queue/connection.js');
  const { QueueStepExecutor } = await import('../queue/queue-executor.js');
  const { findUnpublishedCommit, readDispatchedRepository } = await import(
    '../queue/repository.js'
  );
  const { readQueueTimings } = await import('../queue/settings.js');
  const url = checkQueueUrl(given);
  const repository = await readDispatchedRepository(ctx.workspace, options.allowDirty === true);
  if (repository.dirtyFiles.length > 0) {
    ctx.io.err(
      `warning: --allow-dirty: workers run the commit ${repository.commit.slice(0, 12)}, without the uncommitted changes to ${repository.dirtyFiles.length} tracked file(s).\n`,
    );
  }
  const unpublished = await findUnpublishedCommit(ctx.workspace, repository.commit);
  if (unpublished !== undefined) ctx.io.err(`warning: ${unpublished}\n`);
  const problems = new Set<string>();
  const executor = await QueueStepExecutor.open({
    url,
    repository,
    timings: readQueueTimings(),
    onProblem: (message) => {
      // Once each: a Redis that is down repeats the same error at every reconnection.
      if (problems.has(message)) return;
      problems.add(message);
      ctx.io.err(`warning: queue ${maskQueueUrl(url)}: ${plain(message)}\n`);
    },
  });
  try {
    return await work([executor]);
  } finally {
    await executor.close();
  }
}
