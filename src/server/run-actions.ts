// What the dashboard can do to a run: resume it (in a process of its own) and answer its gates.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { writeApproval } from '../store/approvals.js';
import { isStepId } from '../util/names.js';
import { ApiFailure } from './http.js';
import type { ApprovalGiven, ApproveRequest, ResumeStarted } from './protocol.js';
import { loadRun } from './run-views.js';

/** The `mia` binary of this package (two levels above src/server or dist/server). */
export const MIA_BIN = fileURLToPath(new URL('../../bin/mia.js', import.meta.url));

/**
 * Starts `mia workflow resume <id> -C <workspace>` detached, in its own process, so the run goes
 * on whatever happens to the server. Refused (409) while the run is live or once it completed.
 */
export async function resumeFromDashboard(
  workspace: string,
  runId: string,
  options: { yes: boolean },
): Promise<ResumeStarted> {
  const run = await loadRun(workspace, runId);
  if (run.isLive) {
    throw new ApiFailure(
      409,
      'MIA_SERVER_RUN_LIVE',
      `Run ${runId} is in progress; it cannot be resumed now.`,
      'Wait for it to end, or stop it first.',
    );
  }
  if (run.state.status === 'completed') {
    throw new ApiFailure(
      409,
      'MIA_SERVER_RUN_COMPLETED',
      `Run ${runId} already completed; there is nothing to resume.`,
      `To run steps again: mia workflow resume ${runId} --from <step>`,
    );
  }
  const args = [
    MIA_BIN,
    'workflow',
    'resume',
    runId,
    '-C',
    workspace,
    ...(options.yes ? ['--yes'] : []),
  ];
  const child = spawn(process.execPath, args, {
    cwd: workspace,
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, NO_COLOR: '1' },
  });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  child.unref();
  return { runId, pid: child.pid ?? 0 };
}

/** Answers the gate of a step that waits (409 otherwise), recorded as given by `dashboard`. */
export async function approveFromDashboard(
  workspace: string,
  runId: string,
  stepId: string,
  body: unknown,
): Promise<ApprovalGiven> {
  if (!isStepId(stepId)) {
    throw new ApiFailure(
      400,
      'MIA_STORE_BAD_STEP_ID',
      `Invalid step id ${JSON.stringify(stepId)}.`,
    );
  }
  const request = parseApproveRequest(body);
  const run = await loadRun(workspace, runId);
  const step = run.state.stepStates.get(stepId);
  if (!step) {
    throw new ApiFailure(404, 'MIA_SERVER_STEP_NOT_FOUND', `Run ${runId} has no step "${stepId}".`);
  }
  if (step.status !== 'waiting') {
    throw new ApiFailure(
      409,
      'MIA_SERVER_NOT_WAITING',
      `Step "${stepId}" of run ${runId} is not waiting at a gate (it is ${step.status}).`,
    );
  }
  const stored = await writeApproval(workspace, runId, stepId, {
    approved: request.reject !== true,
    by: 'dashboard',
    reason: request.reason,
    automatic: false,
  });
  return {
    runId,
    stepId,
    approved: stored.approved,
    by: stored.by,
    reason: stored.reason ?? null,
    answeredAt: stored.answeredAt,
    isRunLive: run.isLive,
  };
}

function parseApproveRequest(body: unknown): ApproveRequest {
  const isObject = typeof body === 'object' && body !== null && !Array.isArray(body);
  const { reject, reason } = (isObject ? body : {}) as Record<string, unknown>;
  if (
    !isObject ||
    (reject !== undefined && typeof reject !== 'boolean') ||
    (reason !== undefined && typeof reason !== 'string')
  ) {
    throw new ApiFailure(
      400,
      'MIA_SERVER_BAD_BODY',
      'The body must be {"reject"?: boolean, "reason"?: string}.',
    );
  }
  return {
    ...(reject === undefined ? {} : { reject }),
    ...(reason === undefined ? {} : { reason }),
  };
}
