// The queue's names and timings, shared by the coordinator and its workers: BullMQ's lock and
// stall settings (configured, never BullMQ's 30 s defaults), the queue of a label set, job ids.

import { MiaError } from '../errors.js';

/** Every key mia and BullMQ keep in Redis starts with this. */
export const KEY_PREFIX = 'mia';

/** How quickly a dead worker is noticed, and how often the coordinator looks. */
export interface QueueTimings {
  /** A worker's lock on a step: renewed every half of it; a lock not renewed this long is lost. */
  lockMs: number;
  /** How often stalled (lock lost) steps are looked for: a dead worker is noticed within lock + stall. */
  stallIntervalMs: number;
  /** How often the coordinator checks the state of each remote step it waits for. */
  pollMs: number;
  /** Redis unanswering this long: the coordinator gives up on it (a clear error; resumable). */
  unreachableMs: number;
}

/** Production timings: a worker that dies is noticed within 14 s (CONTRACT: within 15 s). */
const DEFAULT_TIMINGS: QueueTimings = {
  lockMs: 10_000,
  stallIntervalMs: 4_000,
  pollMs: 1_000,
  unreachableMs: 10_000,
};

/**
 * The timings, from MIA_QUEUE_LOCK_MS, MIA_QUEUE_STALL_INTERVAL_MS, MIA_QUEUE_POLL_MS and
 * MIA_QUEUE_UNREACHABLE_MS when set (tests make them short); both sides of a queue must use the same.
 */
export function readQueueTimings(env: NodeJS.ProcessEnv = process.env): QueueTimings {
  return {
    lockMs: readMs(env, 'MIA_QUEUE_LOCK_MS', DEFAULT_TIMINGS.lockMs),
    stallIntervalMs: readMs(env, 'MIA_QUEUE_STALL_INTERVAL_MS', DEFAULT_TIMINGS.stallIntervalMs),
    pollMs: readMs(env, 'MIA_QUEUE_POLL_MS', DEFAULT_TIMINGS.pollMs),
    unreachableMs: readMs(env, 'MIA_QUEUE_UNREACHABLE_MS', DEFAULT_TIMINGS.unreachableMs),
  };
}

function readMs(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const ms = Number(text);
  if (!Number.isInteger(ms) || ms < 100 || ms > 600_000) {
    throw new MiaError(
      'MIA_QUEUE_SETTING',
      `${name}="${text}" is not a number of milliseconds from 100 to 600000.`,
      {
        hint: `Unset ${name} for the default (${fallback}), or give one such as ${fallback}.`,
        isRetriable: false,
      },
    );
  }
  return ms;
}

/** A label: lower-case letters, digits, `_` and `-` (label sets name BullMQ queues). */
const LABEL_PATTERN = /^[a-z0-9_-]+$/;

/** `--labels a,b`: the labels, checked, sorted and without repeats. */
export function parseLabels(text: string): string[] {
  const labels = text
    .split(',')
    .map((label) => label.trim())
    .filter((label) => label !== '');
  for (const label of labels) checkLabel(label, '--labels');
  return [...new Set(labels)].sort();
}

/** Throws a usage-level error for a label a queue name cannot carry. */
export function checkLabel(label: string, where: string): void {
  if (label === 'local') {
    throw new MiaError(
      'MIA_QUEUE_LABEL',
      `The label "local" in ${where} is reserved: \`runs_on: local\` keeps a step with the run.`,
      {
        hint: 'Name the label otherwise.',
        isRetriable: false,
      },
    );
  }
  if (!LABEL_PATTERN.test(label)) {
    throw new MiaError(
      'MIA_QUEUE_LABEL',
      `The label "${label}" in ${where} is not lower-case letters, digits, "_" or "-".`,
      {
        hint: 'For example: gpu, linux-arm64.',
        isRetriable: false,
      },
    );
  }
}

/** The BullMQ queue of the steps of `repoId` that need `labels` (sorted). */
export function getQueueName(repoId: string, labels: readonly string[]): string {
  return `${repoId}@${labels.join(',')}`;
}

/** The label sets a worker with `labels` serves: every subset of them (the empty set included). */
export function listServedLabelSets(labels: readonly string[]): string[][] {
  const sets: string[][] = [[]];
  for (const label of labels) {
    for (const set of sets.slice()) sets.push([...set, label]);
  }
  return sets.map((set) => set.slice().sort());
}

/**
 * The job id of one attempt: the run, the step, what the step does (its hash: a step edited
 * before a resume never adopts an attempt of its old definition), and the step's attempt counted
 * across the run's sessions. The same attempt always gets the same id, so it is never enqueued
 * twice (BullMQ ignores an id it holds); no `:` (BullMQ refuses it), and run ids hold no `.`.
 */
export function getJobId(runId: string, stepId: string, stepHash: string, attempt: number): string {
  return `${runId}.${encodeURIComponent(stepId)}.${stepHash.slice(0, 8)}.a${attempt}`;
}

/** The Redis stream that carries one attempt's start, output and result back to the coordinator. */
export function getStreamKey(repoId: string, jobId: string): string {
  return `${KEY_PREFIX}:${repoId}:log:${jobId}`;
}

/** The Redis set of the label sets the coordinators of `repoId` dispatch to. */
export function getLabelSetsKey(repoId: string): string {
  return `${KEY_PREFIX}:${repoId}:labelsets`;
}

/** The channel on which coordinators of `repoId` ask workers to stop an attempt (by job id). */
export function getCancelChannel(repoId: string): string {
  return `${KEY_PREFIX}:${repoId}:cancel`;
}

/** The key that marks an attempt the coordinator cancelled (a worker must not start it). */
export function getCancelKey(repoId: string, jobId: string): string {
  return `${KEY_PREFIX}:${repoId}:cancelled:${jobId}`;
}

/** The set of the ids of the workers registered for `repoId` (live or not: see their keys). */
export function getWorkersKey(repoId: string): string {
  return `${KEY_PREFIX}:${repoId}:workers`;
}

/** The registry key of one live worker (expires unless its worker refreshes it). */
export function getWorkerKey(repoId: string, workerId: string): string {
  return `${KEY_PREFIX}:${repoId}:worker:${workerId}`;
}
