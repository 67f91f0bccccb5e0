// `mia worker --queue URL [--labels a,b] [--concurrency N]`: serves steps of runs dispatched to
// the queue from checkouts of this repository, until SIGINT or SIGTERM.

import { UsageError } from '../../errors.js';
import { checkQueueUrl, maskQueueUrl, probeRedis } from '../../queue/connection.js';
import { readQueueTimings } from '../../queue/settings.js';
import { stripControlSequences as plain } from '../../util/terminal-text.js';
import { startWorkerService } from '../../worker/serve.js';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { QUEUE_VARIABLE } from '../queue-option.js';
import { waitForSignal } from '../run-dashboard.js';

export interface WorkerOptions {
  queue?: string;
  labels?: string[];
  concurrency?: number;
}

/** Serves steps until a signal; prints one line when ready (its id, labels and queue). */
export async function workerCommand(ctx: CommandContext, options: WorkerOptions): Promise<number> {
  const given = options.queue ?? process.env[QUEUE_VARIABLE];
  if (given === undefined || given === '') {
    throw new UsageError(
      'mia worker needs a queue: --queue redis://host:port (or MIA_QUEUE).',
      'For example: mia worker --queue redis://127.0.0.1:6379 --labels linux',
    );
  }
  const url = checkQueueUrl(given);
  await probeRedis(url);
  const labels = options.labels ?? [];
  const concurrency = options.concurrency ?? 1;
  const warned = new Set<string>();
  const service = await startWorkerService({
    url,
    labels,
    concurrency,
    repoDir: ctx.workspace,
    registry: await ctx.getRegistry(),
    timings: readQueueTimings(),
    onProblem: (message) => {
      if (warned.has(message)) return;
      warned.add(message);
      ctx.io.err(`warning: ${plain(message)}\n`);
    },
  });
  ctx.io.out(
    `worker ${service.identity.id} serving ${maskQueueUrl(url)} (labels: ${labels.join(',') || 'none'}, concurrency ${concurrency})\n`,
  );
  await waitForSignal();
  await service.stop();
  return EXIT.ok;
}
