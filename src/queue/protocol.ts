// What travels through the queue: a job (one attempt of a step, without the coordinator's
// environment), and the records of the attempt's stream back (its start, its output, its end).

import type { ExpressionContext } from '../definition/expressions/evaluate.js';
import type { ResolvedStep } from '../definition/types.js';
import { MiaError, type SerializedError, serializeError } from '../errors.js';

/** The worker running an attempt, as `workflow.step.started` names it. */
export interface WorkerIdentity {
  id: string;
  host: string;
  pid: number;
}

/** One attempt of a step, as a worker receives it. Inputs travel as given; no environment does. */
export interface StepJob {
  runId: string;
  stepId: string;
  /** The step's attempt, counted across the run's sessions. */
  attempt: number;
  /** The commit the coordinator's workspace is at: the worker runs the step there. */
  commit: string;
  /** The workspace (the folder holding `.mia/`) relative to the repository's root ('' at the root). */
  workspacePath: string;
  workflowName: string;
  step: ResolvedStep;
  inputs: Record<string, string>;
  /** What the expressions of the step may read of the steps settled before it. */
  steps: ExpressionContext['steps'];
  firstStartedAt: string;
}

/** How an attempt ended, as it travels back. */
export type JobResult =
  | { status: 'completed'; outputs: Record<string, unknown> }
  | {
      status: 'failed';
      outputs: Record<string, unknown>;
      error: SerializedError & { isRetriable: boolean };
    };

/** A record of an attempt's stream, decoded. */
export type StreamRecord =
  | { kind: 'started'; worker: WorkerIdentity }
  | { kind: 'out'; stream: 'stdout' | 'stderr'; data: Buffer }
  | { kind: 'info'; text: string }
  | { kind: 'end'; result: JobResult };

/** A record as the fields of a Redis stream entry. */
export function encodeRecord(record: StreamRecord): string[] {
  switch (record.kind) {
    case 'started':
      return ['k', 'started', 'w', JSON.stringify(record.worker)];
    case 'out':
      return ['k', 'out', 's', record.stream, 'd', record.data.toString('base64')];
    case 'info':
      return ['k', 'info', 't', record.text];
    case 'end':
      return ['k', 'end', 'r', JSON.stringify(record.result)];
  }
}

/** The record of a Redis stream entry's fields; undefined for one this version does not know. */
export function decodeRecord(fields: string[]): StreamRecord | undefined {
  const get = (name: string) => {
    const at = fields.indexOf(name);
    return at >= 0 && at % 2 === 0 ? fields[at + 1] : undefined;
  };
  const kind = get('k');
  if (kind === 'started') return { kind, worker: JSON.parse(get('w') ?? '{}') as WorkerIdentity };
  if (kind === 'out') {
    const stream = get('s') === 'stderr' ? 'stderr' : 'stdout';
    return { kind, stream, data: Buffer.from(get('d') ?? '', 'base64') };
  }
  if (kind === 'info') return { kind, text: get('t') ?? '' };
  if (kind === 'end') return { kind, result: JSON.parse(get('r') ?? '{}') as JobResult };
  return undefined;
}

/** The result of an attempt that threw `error`, keeping whether a retry can help. */
export function toFailedResult(error: unknown, outputs: Record<string, unknown>): JobResult {
  const isRetriable = !(error instanceof MiaError) || error.isRetriable;
  return { status: 'failed', outputs, error: { ...serializeError(error), isRetriable } };
}

/** The error a failed result stands for, as the engine's retry and tension read it. */
export function toResultError(result: Extract<JobResult, { status: 'failed' }>): MiaError {
  const { message, code, hint, isRetriable } = result.error;
  return new MiaError(code ?? 'MIA_WORKER_STEP_FAILED', message, {
    ...(hint === undefined ? {} : { hint }),
    isRetriable,
    outputs: result.outputs,
  });
}
