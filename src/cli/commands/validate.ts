// `mia workflow validate [<name>|<file>…]`: whether workflows hold, with every problem.

import { checkWorkflow } from '../../definition/load.js';
import { listWorkflows } from '../../definition/lookup.js';
import { formatProblem } from '../../errors.js';
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
  const results: Array<{ ref: string; valid: boolean; problems: string[]; warnings: string[] }> =
    [];
  for (const ref of targets) {
    const checked = await checkWorkflow(ref, {
      workspace: ctx.workspace,
      registry: await ctx.getRegistry(),
    });
    results.push({
      ref,
      valid: checked.loaded !== undefined,
      problems: checked.problems.map(formatProblem),
      warnings: checked.warnings.map(formatProblem),
    });
  }
  if (options.json) ctx.io.out(`${JSON.stringify(results, null, 2)}\n`);
  else {
    const { green, red, yellow } = ctx.io.colors;
    for (const result of results) {
      const warnings = result.warnings.map((w) => `  ${yellow('warning:')} ${plain(w)}\n`).join('');
      if (result.valid) ctx.io.out(`${green('✓')} ${result.ref}\n${warnings}`);
      else
        ctx.io.err(
          `${red('✗')} ${result.ref}\n${result.problems.map((p) => `  ${plain(p)}\n`).join('')}${warnings}`,
        );
    }
  }
  // Warnings alone do not fail: the workflow is valid, and may mean what it says.
  return results.every((r) => r.valid) ? EXIT.ok : EXIT.usage;
}
