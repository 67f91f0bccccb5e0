// `mia workflow run <name|file>`: loads and checks a workflow, then runs it.

import { loadWorkflow, resolveInputs } from '../../definition/load.js';
import { startRun } from '../../engine/lifecycle/start-run.js';
import type { CommandContext } from '../context.js';
import type { ExecutionOptions } from '../options.js';
import { withQueueExecutors } from '../queue-option.js';
import { openRunDashboard } from '../run-dashboard.js';
import { driveRun } from '../run-session.js';

export interface RunOptions extends ExecutionOptions {
  input?: Record<string, string>;
}

/** Loads and checks the workflow (exit 2 on any problem), then runs it. */
export async function runWorkflowCommand(
  ctx: CommandContext,
  ref: string,
  options: RunOptions,
): Promise<number> {
  if (options.dryRun) {
    const { dryRunWorkflow } = await import('./dry-run.js');
    return dryRunWorkflow(ctx, ref, options);
  }
  const loaded = await loadWorkflow(ref, {
    workspace: ctx.workspace,
    registry: await ctx.getRegistry(),
  });
  const inputs = resolveInputs(loaded.workflow, options.input ?? {});
  // Before the run exists: a dirty workspace or an unreachable queue refuses with nothing started.
  return withQueueExecutors(ctx, options, async (executors) => {
    const dashboard = await openRunDashboard(ctx, options);
    try {
      const handle = await startRun({
        workspace: ctx.workspace,
        loaded,
        inputs,
        concurrency: options.concurrency,
        fs: ctx.eventLogFs,
      });
      const code = await driveRun(ctx, handle, {
        isJson: options.json === true,
        autoApprove: options.yes === true,
        noCache: options.cache === false,
        dashboard,
        executors,
      });
      await dashboard?.linger();
      return code;
    } finally {
      await dashboard?.close();
    }
  });
}
