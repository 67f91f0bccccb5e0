// `mia workflow init <template> [--as <name>]`: starts a workspace workflow from a template.

import { relative } from 'node:path';
import { initWorkflow } from '../../definition/init.js';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit-codes.js';

export async function initCommand(
  ctx: CommandContext,
  template: string,
  options: { as?: string; force?: boolean },
): Promise<number> {
  const created = await initWorkflow({ workspace: ctx.workspace, template, ...options });
  const where = relative(ctx.workspace, created.path);
  const role =
    created.name === template ? `overrides the built-in "${template}"` : `is a new workflow`;
  ctx.io.out(
    `Created ${where}: it ${role}.\nEdit it, then check it with: mia workflow show ${created.name}\n`,
  );
  return EXIT.ok;
}
