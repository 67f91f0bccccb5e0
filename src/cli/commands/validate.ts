// `mia workflow validate [<name>|<file>…]`: whether workflows hold, with every problem.

import { loadWorkflow } from '../../definition/load.js';
import { listWorkflows } from '../../definition/lookup.js';
import { DefinitionError, formatProblem } from '../../errors.js';
import { stripControlSequences as plain } from '../../util/terminal-text.js';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit-codes.js';

/** Checks the given workflows (default: every workspace workflow); every problem is printed. */
export async function validateCommand(
  ctx: CommandContext,
  refs: string[],
  options: { json?: boolean },
): Promise<number> {
  const targets =
    refs.length > 0
      ? refs
      : (await listWorkflows(ctx.workspace))
          .filter((e) => e.kind === 'workspace')
          .map((e) => e.path);
  if (targets.length === 0) {
    ctx.io.err(
      'No workflows in .mia/workflows/ to validate. Name one: mia workflow validate <name|file>\n',
    );
    return EXIT.usage;
  }
  const results: Array<{ ref: string; valid: boolean; problems: string[] }> = [];
  for (const ref of targets) {
    try {
      await loadWorkflow(ref, { workspace: ctx.workspace, registry: await ctx.getRegistry() });
      results.push({ ref, valid: true, problems: [] });
    } catch (error) {
      if (!(error instanceof DefinitionError)) throw error;
      results.push({ ref, valid: false, problems: error.problems.map(formatProblem) });
    }
  }
  if (options.json) ctx.io.out(`${JSON.stringify(results, null, 2)}\n`);
  else {
    for (const result of results) {
      if (result.valid) ctx.io.out(`${ctx.io.colors.green('✓')} ${result.ref}\n`);
      else
        ctx.io.err(
          `${ctx.io.colors.red('✗')} ${result.ref}\n${result.problems.map((p) => `  ${plain(p)}\n`).join('')}`,
        );
    }
  }
  return results.every((r) => r.valid) ? EXIT.ok : EXIT.usage;
}
