// Answers to gates, written by any process (`mia workflow approve`, the dashboard) for the run to read.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ApprovalAnswer } from '../events/types.js';
import { writeFileAtomically } from '../util/atomic-file.js';
import { getRunDir, getStepLogPath, toStepFileStem } from './paths.js';

/** An answer as stored: when it was given decides whether a gate still takes it. */
export interface StoredApproval extends ApprovalAnswer {
  answeredAt: string;
}

/** The directory of a run's gate answers. */
export function getApprovalsDir(workspace: string, runId: string): string {
  return join(getRunDir(workspace, runId), 'approvals');
}

/**
 * Where the answer to one step's gate goes: the step id is checked and encoded like a log name,
 * so a matrix leg's values (`/`, `..`) never leave the folder.
 */
export function getApprovalPath(workspace: string, runId: string, stepId: string): string {
  getStepLogPath(workspace, runId, stepId);
  return join(getApprovalsDir(workspace, runId), `${toStepFileStem(stepId)}.json`);
}

/** Writes an answer atomically (temp file, then rename), so a reader never sees half of it. */
export async function writeApproval(
  workspace: string,
  runId: string,
  stepId: string,
  answer: ApprovalAnswer,
): Promise<StoredApproval> {
  const path = getApprovalPath(workspace, runId, stepId);
  const stored: StoredApproval = { ...answer, answeredAt: new Date().toISOString() };
  await writeFileAtomically(path, `${JSON.stringify(stored)}\n`);
  return stored;
}

/** The answer to a gate, if one was given at or after `since`. */
export async function readApproval(
  workspace: string,
  runId: string,
  stepId: string,
  since: Date,
): Promise<StoredApproval | undefined> {
  let stored: StoredApproval;
  try {
    stored = JSON.parse(
      await readFile(getApprovalPath(workspace, runId, stepId), 'utf8'),
    ) as StoredApproval;
  } catch {
    return undefined;
  }
  return Date.parse(stored.answeredAt) >= since.getTime() - 1000 ? stored : undefined;
}
