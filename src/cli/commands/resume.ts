// `mia workflow resume [<run-id>|--last]`: continues a failed, interrupted or crashed run.

import type { StepExecutor } from '../../engine/executors/step-executor.js';
import { resumeRun } from '../../engine/lifecycle/resume-run.js';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import type { ExecutionOptions } from '../options.js';
import { withQueueExecutors } from '../queue-option.js';
import { reloadDefinition } from '../reload-definition.js';
import { openRunDashboard, type RunDashboard } from '../run-dashboard.js';
import { resolveRunId } from '../run-ref.js';
import { driveRun } from '../run-session.js';

export interface ResumeOptions extends ExecutionOptions {
  last?: boolean;
  from?: string;
}

/** Continues a failed, interrupted or crashed run under the same id. */
export async function resumeWorkflowCommand(
  ctx: CommandContext,
  runRef: string | undefined,
  options: ResumeOptions,
): Promise<number> {
  if (options.dryRun) {
    const { dryRunResume } = await import('./dry-run.js');
    return dryRunResume(ctx, runRef, options);
  }
  const runId = await resolveRunId(ctx.workspace, runRef, options.last === true);
  return withQueueExecutors(ctx, options, async (executors) => {
    const dashboard = await openRunDashboard(ctx, options);
    try {
      return await resumeWithDashboard(ctx, runId, options, dashboard, executors);
    } finally {
      await dashboard?.close();
    }
  });
}

async function resumeWithDashboard(
  ctx: CommandContext,
  runId: string,
  options: ResumeOptions,
  dashboard: RunDashboard | undefined,
  executors: readonly StepExecutor[],
): Promise<number> {
  const resumed = await resumeRun({
    workspace: ctx.workspace,
    runId,
    from: options.from,
    concurrency: options.concurrency,
    loadDefinition: (state, recorded) => reloadDefinition(ctx, state, recorded),
    registry: await ctx.getRegistry(),
    fs: ctx.eventLogFs,
  });
  if ('nothingToDo' in resumed) {
    const message = `Run ${runId} already completed; there is nothing to resume. To run steps again: mia workflow resume ${runId} --from <step>`;
    if (options.json)
      ctx.io.out(`${JSON.stringify({ runId, status: 'completed', resumed: false })}\n`);
    else ctx.io.err(`${message}\n`);
    return EXIT.ok;
  }
  const code = await driveRun(ctx, resumed, {
    isJson: options.json === true,
    autoApprove: options.yes === true,
    noCache: options.cache === false,
    dashboard,
    executors,
  });
  const { parent } = resumed;
  if (parent && !options.json) {
    // Resuming a chapter alone leaves the run the user started as it was.
    ctx.io.err(
      `Run ${runId} is a chapter of run ${parent.runId} (step ${parent.stepId}), which is not resumed by this. Continue it with: mia workflow resume ${parent.runId}\n`,
    );
  }
  await dashboard?.linger();
  return code;
}
