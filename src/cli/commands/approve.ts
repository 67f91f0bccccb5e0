// `mia workflow approve <run-id> <step-id>`: answers a gate, from any process; a gate inside a
// chapter is `<chapter-step>/<gate-step>` from the run the user started.

import { userInfo } from 'node:os';
import { MiaError, UsageError } from '../../errors.js';
import { writeApproval } from '../../store/approvals.js';
import { findWaitingGate } from '../../store/gate-path.js';
import { readRunLock } from '../../store/lock.js';
import { getRunDir } from '../../store/paths.js';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit-codes.js';

export interface ApproveOptions {
  reject?: boolean;
  reason?: string;
  json?: boolean;
}

/**
 * Approves (or with --reject, rejects) a step that waits at a gate. `gatePath` is the gate's step
 * id, or `<chapter-step>/<gate-step>` for a gate inside a chapter of the run.
 */
export async function approveCommand(
  ctx: CommandContext,
  runId: string,
  gatePath: string,
  options: ApproveOptions,
): Promise<number> {
  getRunDir(ctx.workspace, runId);
  const gate = await findWaitingGate(ctx.workspace, runId, gatePath).catch((error: unknown) => {
    if (!(error instanceof MiaError) || error.code === 'MIA_STORE_RUN_NOT_FOUND') throw error;
    throw new UsageError(error.message, error.hint);
  });
  const answer = await writeApproval(ctx.workspace, gate.runId, gate.stepId, {
    approved: options.reject !== true,
    by: safeUserName(),
    reason: options.reason,
    automatic: false,
  });
  // A chapter runs in its parent's process: the run the user started holds the lock.
  const owner = await readRunLock(getRunDir(ctx.workspace, runId));
  if (options.json) {
    ctx.io.out(
      `${JSON.stringify({ runId, stepId: gatePath, ...answer, isRunLive: owner !== undefined })}\n`,
    );
    return EXIT.ok;
  }
  const verdict = answer.approved ? 'approved' : 'rejected';
  ctx.io.out(
    owner
      ? `${gatePath} ${verdict}; run ${runId} (process ${owner.pid}) continues.\n`
      : `${gatePath} ${verdict}. The run is not running: continue it with mia workflow resume ${runId}\n`,
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
