// `mia workflow status` and `mia workflow runs`: what a run did, step by step, and the run history.

import { loadRunState } from '../../engine/run-workflow.js';
import { readRunLock } from '../../store/lock.js';
import { getRunDir } from '../../store/paths.js';
import type { RunState, StepState } from '../../store/run-state.js';
import { listRunIds } from '../../store/runs.js';
import { formatDuration } from '../../util/duration.js';
import { stripControlSequences as plain } from '../../util/terminal-text.js';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { resolveRunId } from './run-ref.js';

/** A run's state as reported to people and machines; `crashed` means resumable with no owner. */
export interface RunSummary {
  runId: string;
  workflow: string;
  narrative: string;
  status: RunState['status'] | 'crashed';
  ownerPid: number | null;
  startedAt: string;
  updatedAt: string;
  durationMs: number | null;
  completed: number;
  total: number;
  resumes: number;
  steps: Array<Omit<StepState, 'outputs'> & { outputs: Record<string, unknown> }>;
}

/** Reads one run and whether a live process still owns it. */
export async function summarizeRun(workspace: string, runId: string): Promise<RunSummary> {
  const state = await loadRunState(workspace, runId);
  const owner =
    state.status === 'running' ? await readRunLock(getRunDir(workspace, runId)) : undefined;
  const steps = state.steps.map((s) => state.stepStates.get(s.id)).filter((s) => s !== undefined);
  return {
    runId,
    workflow: state.workflow,
    narrative: state.narrative,
    status: state.status === 'running' && !owner ? 'crashed' : state.status,
    ownerPid: owner?.pid ?? null,
    startedAt: state.startedAt,
    updatedAt: state.updatedAt,
    durationMs: state.durationMs ?? null,
    completed: steps.filter((s) => s.status === 'completed').length,
    total: steps.length,
    resumes: state.resumes,
    steps,
  };
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
  ctx.io.out(`run ${summary.runId} · ${summary.workflow} · ${describeStatus(summary)}\n`);
  ctx.io.out(`${c.dim(plain(summary.narrative))}\n`);
  ctx.io.out(
    `${summary.completed}/${summary.total} steps completed${summary.resumes > 0 ? ` · resumed ${summary.resumes}×` : ''}\n\n`,
  );
  for (const step of summary.steps) {
    const detail =
      step.status === 'failed' || step.status === 'interrupted'
        ? (step.error?.message ?? '')
        : step.status === 'skipped'
          ? (step.skipReason ?? '')
          : '';
    const took = step.durationMs === undefined ? '' : formatDuration(step.durationMs);
    const tries = step.attempts > 1 ? `${step.attempts} attempts` : '';
    ctx.io.out(
      `  ${step.status.padEnd(11)} ${step.id.padEnd(20)} ${[took, tries, plain(detail)].filter(Boolean).join(' · ')}\n`,
    );
  }
  if (
    summary.status === 'failed' ||
    summary.status === 'interrupted' ||
    summary.status === 'crashed'
  ) {
    ctx.io.out(`\nResume with: mia workflow resume ${summary.runId}\n`);
  }
  return EXIT.ok;
}

export async function runsCommand(
  ctx: CommandContext,
  options: { json?: boolean },
): Promise<number> {
  const summaries: Array<RunSummary | { runId: string; error: string }> = [];
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
        summaries.map((s) => ('steps' in s ? { ...s, steps: undefined } : s)),
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
  for (const s of summaries) {
    if ('error' in s) {
      ctx.io.out(`${s.runId}  unreadable: ${plain(s.error)}\n`);
      continue;
    }
    const took = s.durationMs === null ? '' : formatDuration(s.durationMs);
    ctx.io.out(
      `${s.runId}  ${s.workflow.padEnd(22)} ${describeStatus(s).padEnd(16)} ${`${s.completed}/${s.total}`.padEnd(7)} ${s.startedAt}  ${took}\n`,
    );
  }
  return EXIT.ok;
}

function describeStatus(summary: RunSummary): string {
  if (summary.status === 'running') return `running (pid ${summary.ownerPid})`;
  if (summary.status === 'crashed') return 'crashed (resumable)';
  return summary.status;
}
