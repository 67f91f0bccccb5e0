// `mia workflow run|resume --dry-run`: prints what each step would do (runs, skipped, from cache,
// decided at run time) and why; runs nothing, writes nothing, and leaves no run behind.

import { loadWorkflow, resolveInputs } from '../../definition/load.js';
import { type DryRunStep, planDryRun } from '../../engine/dry-run.js';
import { previewResume } from '../../engine/lifecycle/preview-resume.js';
import { stripControlSequences as plain } from '../../util/terminal-text.js';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { reloadDefinition } from '../reload-definition.js';
import { resolveRunId } from '../run-ref.js';

/** The options of run and resume that a dry run reads. */
export interface DryRunOptions {
  input?: Record<string, string>;
  last?: boolean;
  from?: string;
  json?: boolean;
  /** False with --no-cache: every step would run. */
  cache?: boolean;
}

const SHOWN: Record<DryRunStep['verdict'], string> = {
  runs: 'runs',
  skipped: 'skipped',
  cache: 'from cache',
  runtime: 'at run time',
};

/** The dry run of `mia workflow run`: a definition error exits 2 as a real run would. */
export async function dryRunWorkflow(
  ctx: CommandContext,
  ref: string,
  options: DryRunOptions,
): Promise<number> {
  const registry = await ctx.getRegistry();
  const loaded = await loadWorkflow(ref, { workspace: ctx.workspace, registry });
  const steps = await planDryRun({
    workspace: ctx.workspace,
    workflow: loaded.workflow,
    plan: loaded.plan,
    inputs: resolveInputs(loaded.workflow, options.input ?? {}),
    registry,
    kept: new Map(),
    runId: undefined,
    noCache: options.cache === false,
  });
  printDryRun(ctx, { workflow: loaded.workflow.name, runId: null, steps }, options.json === true);
  return EXIT.ok;
}

/** The dry run of `mia workflow resume`. */
export async function dryRunResume(
  ctx: CommandContext,
  runRef: string | undefined,
  options: DryRunOptions,
): Promise<number> {
  const runId = await resolveRunId(ctx.workspace, runRef, options.last === true);
  const registry = await ctx.getRegistry();
  const preview = await previewResume({
    workspace: ctx.workspace,
    runId,
    from: options.from,
    loadDefinition: (state, recorded) => reloadDefinition(ctx, state, recorded),
    registry,
  });
  if ('nothingToDo' in preview) {
    const { workflow } = preview.nothingToDo;
    printDryRun(ctx, { workflow, runId, steps: [] }, options.json === true);
    if (!options.json)
      ctx.io.out(`Run ${runId} already completed: resuming it would do nothing.\n`);
    return EXIT.ok;
  }
  const steps = await planDryRun({
    workspace: ctx.workspace,
    workflow: preview.loaded.workflow,
    plan: preview.loaded.plan,
    inputs: preview.inputs,
    registry,
    kept: preview.kept,
    runId,
    noCache: options.cache === false,
  });
  printDryRun(ctx, { workflow: preview.loaded.workflow.name, runId, steps }, options.json === true);
  return EXIT.ok;
}

function printDryRun(
  ctx: CommandContext,
  result: { workflow: string; runId: string | null; steps: DryRunStep[] },
  isJson: boolean,
): void {
  if (isJson) {
    ctx.io.out(`${JSON.stringify({ dryRun: true, ...result })}\n`);
    return;
  }
  // The first line is exactly `dry run <workflow>`, for scripts; a resume names its run after it.
  ctx.io.out(`dry run ${result.workflow}\n`);
  if (result.runId) ctx.io.out(`resume of run ${result.runId}\n`);
  const width = Math.max(0, ...result.steps.map((step) => step.id.length));
  for (const step of result.steps) {
    const why = step.verdict === 'cache' ? `reused from run ${step.from}` : (step.reason ?? '');
    ctx.io.out(
      `  ${SHOWN[step.verdict].padEnd(12)} ${step.id.padEnd(width)}  ${plain(why)}\n`.trimEnd() +
        '\n',
    );
  }
  const count = (verdict: DryRunStep['verdict']) =>
    result.steps.filter((step) => step.verdict === verdict).length;
  ctx.io.out(
    `${count('runs')} would run, ${count('cache')} from cache, ${count('skipped')} skipped, ${count('runtime')} decided at run time. Nothing was run.\n`,
  );
}
