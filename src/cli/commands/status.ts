// `mia workflow status`: what a run did, step by step, and what waits for an answer.

import { findRootRun, loadRun } from '../../store/load-run.js';
import { formatDuration } from '../../util/duration.js';
import { stripControlSequences as plain } from '../../util/terminal-text.js';
import {
  describeRunStatus,
  formatAttempts,
  formatProgress,
  isResumable,
} from '../../view/format.js';
import type { StepState } from '../../view/run-state.js';
import { type RunSummary, toRunSummary } from '../../view/summary.js';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { resolveRunId } from '../run-ref.js';

/** Reads one run and whether a live process still owns it, as `status --json` reports it. */
export async function summarizeRun(workspace: string, runId: string): Promise<RunSummary> {
  const run = await loadRun(workspace, runId);
  // A chapter's gates are answered through the run the user started.
  const root = await findRootRun(workspace, run.state);
  return toRunSummary(run.state, run.owner?.pid ?? null, root);
}

export async function statusCommand(
  ctx: CommandContext,
  runRef: string | undefined,
  options: { last?: boolean; json?: boolean },
): Promise<number> {
  const runId = await resolveRunId(ctx.workspace, runRef, options.last === true);
  const summary = await summarizeRun(ctx.workspace, runId);
  if (options.json) {
    ctx.io.out(`${JSON.stringify(summary, null, 2)}\n`);
    return EXIT.ok;
  }
  const c = ctx.io.colors;
  ctx.io.out(`run ${summary.runId} · ${summary.workflow} · ${describeRunStatus(summary)}\n`);
  if (summary.parent) {
    ctx.io.out(
      `chapter of run ${summary.parent.runId} (step ${summary.parent.stepId}): resume and answer its gates through that run\n`,
    );
  }
  ctx.io.out(`${c.dim(plain(summary.narrative))}\n`);
  ctx.io.out(
    `${formatProgress(summary)} steps completed${summary.resumes > 0 ? ` · resumed ${summary.resumes}×` : ''}\n\n`,
  );
  for (const step of summary.steps) {
    const told = [
      formatDuration(step.durationMs),
      formatAttempts(step.attempts),
      plain(describeStep(step)),
    ];
    // A matrix step's legs are listed under it, indented.
    const id = step.group === undefined ? step.id : `  ${plain(step.id)}`;
    ctx.io.out(
      `  ${step.status.padEnd(11)} ${id.padEnd(20)} ${told.filter(Boolean).join(' · ')}\n`,
    );
  }
  for (const gate of summary.waitingGates) {
    ctx.io.out(
      `\n${gate.gate} waits: ${plain(gate.prompt)}\n  answer with: ${gate.command} [--reject --reason "…"]\n`,
    );
  }
  if (isResumable(summary.status)) {
    ctx.io.out(`\nResume with: mia workflow resume ${summary.rootRunId}\n`);
  }
  return EXIT.ok;
}

/** What a step's line adds after its time: why it failed or was skipped, what it waits for. */
function describeStep(step: StepState): string {
  if (step.status === 'failed' || step.status === 'interrupted') {
    const allowed = step.status === 'failed' && step.continueOnError ? 'allowed to fail: ' : '';
    return `${allowed}${step.error?.message ?? ''}`;
  }
  if (step.status === 'skipped') return step.skipReason ?? '';
  if (step.status === 'completed' && step.reusedFrom) return `reused from run ${step.reusedFrom}`;
  if (step.status === 'waiting') {
    return step.gates.map((gate) => `gate ${gate.path}: ${gate.prompt}`).join('; ');
  }
  return '';
}
