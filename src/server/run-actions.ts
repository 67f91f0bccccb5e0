// What the dashboard can do to a run: resume it (in a process of its own) and answer its gates.

import { MiaError } from '../errors.js';
import { writeApproval } from '../store/approvals.js';
import { findWaitingGate } from '../store/gate-path.js';
import { loadRun } from '../store/load-run.js';
import { ApiFailure } from './http.js';
import type { ApprovalGiven, ApproveRequest, ResumeStarted } from './protocol.js';
import { startResumeProcess } from './resume-process.js';

/** How long a resume may take to hold its run before the API says it did not start. */
const DEFAULT_START_TIMEOUT_MS = 60_000;

/**
 * Resumes a run in a process of its own (`mia workflow resume <id> -C <workspace>`), so the run
 * goes on whatever happens to the server, and answers with the real outcome (startResumeProcess):
 * refused at once (409) while the run is live, naming the process that holds it, or once it
 * completed.
 */
export async function resumeFromDashboard(
  workspace: string,
  runId: string,
  options: { yes: boolean; startTimeoutMs?: number },
): Promise<ResumeStarted> {
  const run = await loadRun(workspace, runId);
  if (run.isLive) {
    const holder = run.owner;
    throw new ApiFailure(
      409,
      'MIA_SERVER_RUN_LIVE',
      `Run ${runId} is in progress${holder ? ` in process ${holder.pid}` : ''}; it cannot be resumed now.`,
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
  return startResumeProcess(workspace, runId, {
    yes: options.yes,
    startTimeoutMs: options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS,
  });
}

/**
 * Answers the gate of a step that waits (409 otherwise), recorded as given by `dashboard`.
 * `gatePath` is the step id, or `<chapter-step>/<gate-step>` (URL-encoded in the path) for a gate
 * inside a chapter of the run.
 */
export async function approveFromDashboard(
  workspace: string,
  runId: string,
  gatePath: string,
  body: unknown,
): Promise<ApprovalGiven> {
  const request = parseApproveRequest(body);
  const run = await loadRun(workspace, runId);
  const gate = await findWaitingGate(workspace, runId, gatePath).catch((error: unknown) => {
    throw toApiFailure(error);
  });
  const stored = await writeApproval(workspace, gate.runId, gate.stepId, {
    approved: request.reject !== true,
    by: 'dashboard',
    reason: request.reason,
    automatic: false,
  });
  return {
    runId,
    stepId: gatePath,
    approved: stored.approved,
    by: stored.by,
    reason: stored.reason ?? null,
    answeredAt: stored.answeredAt,
    isRunLive: run.isLive,
  };
}

/** The HTTP answer to a gate that cannot be answered. */
function toApiFailure(error: unknown): unknown {
  if (!(error instanceof MiaError)) return error;
  const answer: Record<string, [number, string]> = {
    MIA_STORE_BAD_STEP_ID: [400, 'MIA_STORE_BAD_STEP_ID'],
    MIA_GATE_NO_STEP: [404, 'MIA_SERVER_STEP_NOT_FOUND'],
    MIA_GATE_NOT_CHAPTER: [404, 'MIA_SERVER_STEP_NOT_FOUND'],
    MIA_GATE_NO_CHAPTER: [409, 'MIA_SERVER_NOT_WAITING'],
    MIA_GATE_NOT_WAITING: [409, 'MIA_SERVER_NOT_WAITING'],
  };
  const [status, code] = answer[error.code] ?? [];
  return status === undefined || code === undefined
    ? error
    : new ApiFailure(status, code, error.message, error.hint);
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
