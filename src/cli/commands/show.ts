// `mia workflow show <name>`: what a workflow plans: steps, levels, critical path.

import { chooseDefaultShell } from '../../actions/engineer/script.js';
import { loadWorkflow } from '../../definition/load.js';
import { formatPlanMermaid, formatPlanText, toPlanJson } from '../../plan/format.js';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import type { ShowFormat } from '../options.js';

/** Prints the plan of a workflow as text, JSON or a mermaid graph. */
export async function showCommand(
  ctx: CommandContext,
  ref: string,
  options: { format: ShowFormat },
): Promise<number> {
  const { workflow, plan } = await loadWorkflow(ref, {
    workspace: ctx.workspace,
    registry: await ctx.getRegistry(),
  });
  const shown = { defaultShell: chooseDefaultShell(process.env.PATH) };
  if (options.format === 'json')
    ctx.io.out(`${JSON.stringify(toPlanJson(plan, workflow, shown), null, 2)}\n`);
  else if (options.format === 'mermaid') ctx.io.out(`${formatPlanMermaid(plan, workflow)}\n`);
  else ctx.io.out(`${formatPlanText(plan, workflow, shown)}\n`);
  return EXIT.ok;
}
