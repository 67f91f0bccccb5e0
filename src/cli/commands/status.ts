// `mia workflow status`: what a run did, step by step, and what waits for an answer.

import { formatApproveCommand } from '../../store/gate-path.js';
import { readRunLock } from '../../store/lock.js';
import { getRunDir } from '../../store/paths.js';
import { loadRunState } from '../../store/run-events.js';
import { markCrashed, type RunState, type StepState } from '../../store/run-state.js';
import { formatDuration } from '../../util/duration.js';
import { stripControlSequences as plain } from '../../util/terminal-text.js';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { resolveRunId } from '../run-ref.js';

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
  /** Set when the run is a chapter: the run and step that ran it. */
  parent: { runId: string; stepId: string } | null;
  /** The run the user started: this run, or the one above a chapter (resume that one). */
  rootRunId: string;
  /** Gates that wait for an answer, here or inside chapters, with the command that answers each. */
  waitingGates: Array<{ stepId: string; gate: string; prompt: string; command: string }>;
  steps: Array<Omit<StepState, 'outputs'> & { outputs: Record<string, unknown> }>;
}

/** Reads one run and whether a live process still owns it. */
export async function summarizeRun(workspace: string, runId: string): Promise<RunSummary> {
  const state = await loadRunState(workspace, runId);
  const owner =
    state.status === 'running' ? await readRunLock(getRunDir(workspace, runId)) : undefined;
  // A run whose process died: its running steps were interrupted, and no gate waits any more.
  const isCrashed = state.status === 'running' && !owner;
  if (isCrashed) markCrashed(state);
  const steps = state.steps.map((s) => state.stepStates.get(s.id)).filter((s) => s !== undefined);
  // A chapter's gates are answered through the run the user started.
  const root = state.parent ? await findRootRun(workspace, state.parent) : undefined;
  const prefix = root ? root.prefix : '';
  const waitingGates = steps.flatMap((step) =>
    step.gates.map((gate) => ({
      stepId: step.id,
      gate: gate.path,
      prompt: gate.prompt,
      command: formatApproveCommand(root?.runId ?? runId, `${prefix}${gate.path}`),
    })),
  );
  return {
    runId,
    workflow: state.workflow,
    narrative: state.narrative,
    status: isCrashed ? 'crashed' : state.status,
    ownerPid: owner?.pid ?? null,
    startedAt: state.startedAt,
    updatedAt: state.updatedAt,
    durationMs: state.durationMs ?? null,
    completed: steps.filter((s) => s.status === 'completed').length,
    total: steps.length,
    resumes: state.resumes,
    parent: state.parent ?? null,
    rootRunId: root?.runId ?? runId,
    waitingGates,
    steps,
  };
}

/** The run the user started above a chapter, and the gate path prefix from it to the chapter. */
async function findRootRun(
  workspace: string,
  parent: { runId: string; stepId: string },
): Promise<{ runId: string; prefix: string }> {
  let prefix = `${parent.stepId}/`;
  let current = parent;
  for (let depth = 0; depth < 100; depth++) {
    const above = (await loadRunState(workspace, current.runId).catch(() => undefined))?.parent;
    if (!above) break;
    prefix = `${above.stepId}/${prefix}`;
    current = above;
  }
  return { runId: current.runId, prefix };
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
  if (summary.parent) {
    ctx.io.out(
      `chapter of run ${summary.parent.runId} (step ${summary.parent.stepId}): resume and answer its gates through that run\n`,
    );
  }
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
          : step.status === 'waiting'
            ? step.gates.map((gate) => `gate ${gate.path}: ${gate.prompt}`).join('; ')
            : '';
    const took = step.durationMs === undefined ? '' : formatDuration(step.durationMs);
    const tries = step.attempts > 1 ? `${step.attempts} attempts` : '';
    ctx.io.out(
      `  ${step.status.padEnd(11)} ${step.id.padEnd(20)} ${[took, tries, plain(detail)].filter(Boolean).join(' · ')}\n`,
    );
  }
  for (const gate of summary.waitingGates) {
    ctx.io.out(
      `\n${gate.gate} waits: ${plain(gate.prompt)}\n  answer with: ${gate.command} [--reject --reason "…"]\n`,
    );
  }
  if (
    summary.status === 'failed' ||
    summary.status === 'interrupted' ||
    summary.status === 'crashed'
  ) {
    ctx.io.out(`\nResume with: mia workflow resume ${summary.rootRunId}\n`);
  }
  return EXIT.ok;
}

/** A run's status in a word or two: `running (pid N)`, `crashed (resumable)`, `failed`, … */
export function describeStatus(summary: RunSummary): string {
  if (summary.status === 'running') return `running (pid ${summary.ownerPid})`;
  if (summary.status === 'crashed') return 'crashed (resumable)';
  return summary.status;
}
