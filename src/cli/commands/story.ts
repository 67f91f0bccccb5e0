// `mia workflow story`: the run told as a story, rendered from its events (so always current).

import { renderStory } from '../../narrative/story.js';
import { loadRun } from '../../store/load-run.js';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { resolveRunId } from '../run-ref.js';

export async function storyCommand(
  ctx: CommandContext,
  runRef: string | undefined,
  options: { last?: boolean },
): Promise<number> {
  const runId = await resolveRunId(ctx.workspace, runRef, options.last === true);
  const run = await loadRun(ctx.workspace, runId);
  ctx.io.out(renderStory(run.events, ctx.workspace, run.isLive));
  return EXIT.ok;
}
