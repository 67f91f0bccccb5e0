// Readers for the adapters' describeOutputs: outputs are whatever a step produced (an old log, a
// custom action, a failed step), so each value is read for what it is, never trusted.

import type { OutputFact } from './types.js';

/** A number, or undefined for anything else. */
export function readCount(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** A non-empty string, or undefined for anything else. */
export function readText(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The strings of a list (none when it is no list). */
export function readTextList(value: unknown): string[] {
  return Array.isArray(value)
    ? value.filter((item): item is string => typeof item === 'string')
    : [];
}

/** The first 7 characters of a commit id, or undefined when there is none. */
export function readShortSha(value: unknown): string | undefined {
  return readText(value)?.slice(0, 7);
}

/** `exit code 0`: a detail on the engineer's line of a step that ran a process. */
export function describeExitCode(outputs: Record<string, unknown>): OutputFact[] {
  const exitCode = readCount(outputs.exitCode);
  return exitCode === undefined
    ? []
    : [{ text: `exit code ${exitCode}`, universe: 'engineer', isDetail: true }];
}
