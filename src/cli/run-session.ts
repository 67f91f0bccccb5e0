// Drives one run (new or resumed) on the terminal: renders events, handles signals, returns the exit code.

import { runChapter } from '../engine/chapters.js';
import { executeRun } from '../engine/lifecycle/execute-run.js';
import type { RunHandle } from '../engine/lifecycle/types.js';
import type { ExecuteResult } from '../engine/settled.js';
import { chooseRenderMode, createEventRenderer } from '../terminal/render-events.js';
import { stripControlSequences as plain } from '../util/terminal-text.js';
import type { CommandContext } from './context.js';
import { EXIT } from './exit-codes.js';
import type { RunDashboard } from './run-dashboard.js';

/**
 * Executes a prepared run. The first SIGINT/SIGTERM stops running steps and records the run as
 * interrupted (resumable); a second one exits at once.
 */
export async function driveRun(
  ctx: CommandContext,
  handle: RunHandle,
  options: {
    isJson: boolean;
    autoApprove: boolean;
    noCache?: boolean;
    dashboard?: RunDashboard | undefined;
  },
): Promise<number> {
  const mode = chooseRenderMode(ctx.io, options.isJson);
  const renderer = createEventRenderer(ctx.io, mode, {
    autoApprove: options.autoApprove,
    history: handle.events.history,
  });
  if (mode !== 'json') ctx.io.out(`run ${handle.runId}\n`);
  for (const warning of handle.warnings) ctx.io.err(`warning: ${plain(warning)}\n`);
  const warnedBefore = handle.warnings.length;
  const unsubscribe = handle.events.subscribe((event) => renderer.render(event));
  const detachDashboard = options.dashboard?.attach(handle.events);
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    ctx.io.err(`\n${signal}: stopping running steps (again to quit at once)…\n`);
    controller.abort(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let result: ExecuteResult;
  try {
    // The composition root: the engine runs chapters through the runner handed to it here.
    result = await executeRun(handle, {
      registry: await ctx.getRegistry(),
      runChapter,
      eventLogFs: ctx.eventLogFs,
      signal: controller.signal,
      autoApprove: options.autoApprove,
      noCache: options.noCache === true,
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    unsubscribe();
    detachDashboard?.();
    renderer.stop();
  }
  // What the run could not write though it went on (the STC Charts extension's chart).
  for (const warning of handle.warnings.slice(warnedBefore))
    ctx.io.err(`warning: ${plain(warning)}\n`);
  if (result.status === 'completed') return EXIT.ok;
  if (result.status === 'interrupted') return EXIT.interrupted;
  if (mode !== 'json') {
    ctx.io.err(
      `The workflow failed at ${result.failedSteps.join(', ')}. Fix the cause, then: mia workflow resume ${handle.runId}\n`,
    );
  }
  return EXIT.failed;
}
