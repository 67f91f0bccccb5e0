// The definition a run resumes with: its workflow as it is now, found as the run first found it.

import { loadWorkflow } from '../definition/load.js';
import type { LoadedWorkflow } from '../definition/loaded-workflow.js';
import type { RunState } from '../view/run-state.js';
import type { CommandContext } from './context.js';

/**
 * A run is resumed with its definition as it is now: a workflow file by path, others by name;
 * its recorded definition is reused when the files are unchanged.
 */
export async function reloadDefinition(
  ctx: CommandContext,
  state: RunState,
  recorded: unknown,
): Promise<LoadedWorkflow> {
  const ref = state.source.kind === 'file' ? state.source.path : state.workflow;
  return loadWorkflow(ref, {
    workspace: ctx.workspace,
    registry: await ctx.getRegistry(),
    recorded,
  });
}
