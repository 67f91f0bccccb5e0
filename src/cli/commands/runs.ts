// `mia workflow runs`: the history of a workspace's runs, each chapter under the run that started it.

import { listRunIds } from '../../store/runs.js';
import { formatDuration } from '../../util/duration.js';
import { stripControlSequences as plain } from '../../util/terminal-text.js';
import { describeRunStatus, formatProgress } from '../../view/format.js';
import type { RunSummary } from '../../view/summary.js';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { summarizeRun } from './status.js';

/** Lists every run, oldest first, with each chapter indented right under its parent. */
export async function runsCommand(
  ctx: CommandContext,
  options: { json?: boolean },
): Promise<number> {
  const summaries: Listed[] = [];
  for (const runId of await listRunIds(ctx.workspace)) {
    try {
      summaries.push(await summarizeRun(ctx.workspace, runId));
    } catch (error) {
      summaries.push({ runId, error: (error as Error).message });
    }
  }
  if (options.json) {
    ctx.io.out(
      `${JSON.stringify(
        nestChapters(summaries).map(({ summary: s }) =>
          'steps' in s ? { ...s, steps: undefined } : s,
        ),
        null,
        2,
      )}\n`,
    );
    return EXIT.ok;
  }
  if (summaries.length === 0) {
    ctx.io.out('No runs yet. Start one with: mia workflow run <name>\n');
    return EXIT.ok;
  }
  for (const { summary: s, depth } of nestChapters(summaries)) {
    if ('error' in s) {
      ctx.io.out(`${s.runId}  unreadable: ${plain(s.error)}\n`);
      continue;
    }
    const took = formatDuration(s.durationMs);
    // A chapter sits under its parent, indented, named by the step that ran it.
    const indent = '  '.repeat(depth);
    const name = s.parent ? `└ ${s.parent.stepId}: ${s.workflow}` : s.workflow;
    ctx.io.out(
      `${indent}${s.runId}  ${name.padEnd(Math.max(0, 22 - indent.length))} ${describeRunStatus(s).padEnd(16)} ${formatProgress(s).padEnd(7)} ${s.startedAt}  ${took}\n`,
    );
  }
  return EXIT.ok;
}

type Listed = RunSummary | { runId: string; error: string };

/**
 * Runs in time order, each chapter moved right under the run that started it (depth-first, so a
 * chapter of a chapter follows its own parent), with its depth. A chapter whose parent is gone
 * stays where it is.
 */
function nestChapters(summaries: readonly Listed[]): Array<{ summary: Listed; depth: number }> {
  const ids = new Set(summaries.map((s) => s.runId));
  const children = new Map<string, Listed[]>();
  const roots: Listed[] = [];
  for (const s of summaries) {
    const parentId = 'parent' in s ? s.parent?.runId : undefined;
    if (parentId !== undefined && ids.has(parentId) && parentId !== s.runId) {
      children.set(parentId, [...(children.get(parentId) ?? []), s]);
    } else roots.push(s);
  }
  const ordered: Array<{ summary: Listed; depth: number }> = [];
  const visit = (s: Listed, depth: number) => {
    ordered.push({ summary: s, depth });
    for (const child of children.get(s.runId) ?? []) visit(child, depth + 1);
  };
  for (const root of roots) visit(root, 0);
  return ordered;
}
