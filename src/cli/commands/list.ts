// `mia workflow ls`: what workflows (or actions) there are. It reads only the workflow files, so it
// starts fast: the actions and their dependencies are loaded for --actions alone.

import { listWorkflows } from '../../definition/lookup.js';
import { stripControlSequences as plain } from '../../util/terminal-text.js';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit-codes.js';

/** `ls --actions`: every action, built-in or custom, with its universes. */
async function listActions(ctx: CommandContext, options: { json?: boolean }): Promise<number> {
  const [registry, { BUILTIN_ACTIONS }] = await Promise.all([
    ctx.getRegistry(),
    import('../../actions/builtin.js'),
  ]);
  const actions = registry.list().map((a) => ({
    name: a.name,
    universes: [...a.universes],
    custom: !BUILTIN_ACTIONS.includes(a),
    description: a.description ?? '',
  }));
  if (options.json) {
    ctx.io.out(`${JSON.stringify(actions, null, 2)}\n`);
    return EXIT.ok;
  }
  for (const a of actions) {
    const kind = a.custom ? 'custom' : 'built-in';
    ctx.io.out(
      `${a.name.padEnd(18)} ${`(${kind}; ${a.universes.join(', ')})`.padEnd(40)} ${ctx.io.colors.dim(plain(a.description))}\n`,
    );
  }
  return EXIT.ok;
}

/** `mia workflow ls`: built-in templates and the workspace's workflows (or, with --actions, the actions). */
export async function listCommand(
  ctx: CommandContext,
  options: { json?: boolean; actions?: boolean },
): Promise<number> {
  if (options.actions) return listActions(ctx, options);
  const entries = await listWorkflows(ctx.workspace);
  if (options.json) {
    ctx.io.out(`${JSON.stringify(entries, null, 2)}\n`);
    return EXIT.ok;
  }
  const c = ctx.io.colors;
  for (const entry of entries) {
    const marks = [
      entry.kind,
      entry.overrides ? 'overrides template' : '',
      entry.extends ? `extends ${entry.extends}` : '',
    ].filter(Boolean);
    const about = entry.error
      ? c.red(`invalid: ${plain(entry.error)}`)
      : c.dim(plain(entry.narrative ?? ''));
    ctx.io.out(`${entry.name.padEnd(24)} ${`(${marks.join(', ')})`.padEnd(36)} ${about}\n`);
  }
  return EXIT.ok;
}
