// `mia workflow approve <run-id> <step-id>`: answers a gate, from any process.

import { userInfo } from 'node:os';
import { loadRunState } from '../../engine/run-workflow.js';
import { UsageError } from '../../errors.js';
import { writeApproval } from '../../store/approvals.js';
import { readRunLock } from '../../store/lock.js';
import { getRunDir } from '../../store/paths.js';
import { formatSuggestion } from '../../util/suggest.js';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit-codes.js';

export interface ApproveOptions {
  reject?: boolean;
  reason?: string;
  json?: boolean;
}

/** Approves (or with --reject, rejects) a step that waits at a gate. */
export async function approveCommand(
  ctx: CommandContext,
  runId: string,
  stepId: string,
  options: ApproveOptions,
): Promise<number> {
  getRunDir(ctx.workspace, runId);
  const state = await loadRunState(ctx.workspace, runId);
  const step = state.stepStates.get(stepId);
  if (!step) {
    const ids = [...state.stepStates.keys()];
    throw new UsageError(
      `Run ${runId} has no step "${stepId}".${formatSuggestion(stepId, ids)}`,
      `Steps: ${ids.join(', ')}.`,
    );
  }
  if (step.status !== 'waiting') {
    throw new UsageError(
      `Step "${stepId}" of run ${runId} is not waiting at a gate (it is ${step.status}).`,
      `See what waits with: mia workflow status ${runId}`,
    );
  }
  const answer = await writeApproval(ctx.workspace, runId, stepId, {
    approved: options.reject !== true,
    by: safeUserName(),
    reason: options.reason,
    automatic: false,
  });
  const owner = await readRunLock(getRunDir(ctx.workspace, runId));
  if (options.json) {
    ctx.io.out(`${JSON.stringify({ runId, stepId, ...answer, isRunLive: owner !== undefined })}\n`);
    return EXIT.ok;
  }
  const verdict = answer.approved ? 'approved' : 'rejected';
  ctx.io.out(
    owner
      ? `${stepId} ${verdict}; run ${runId} (process ${owner.pid}) continues.\n`
      : `${stepId} ${verdict}. The run is not running: continue it with mia workflow resume ${runId}\n`,
  );
  return EXIT.ok;
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'someone';
  }
}
