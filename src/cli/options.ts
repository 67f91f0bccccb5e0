// Parsers for option values, shared by the commands.

import { UsageError } from '../errors.js';

/** `--input key=value`, repeatable: collects into an object. */
export function collectInput(
  value: string,
  previous: Record<string, string>,
): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) {
    throw new UsageError(`--input "${value}" is not key=value.`, 'Write it as --input name=value.');
  }
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

/** `--concurrency N`: a whole number of at least 1. */
export function parseConcurrency(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1024) {
    throw new UsageError(
      `--concurrency "${value}" is not a whole number from 1 to 1024.`,
      'For example: --concurrency 4.',
    );
  }
  return n;
}

/** `--format` of show. */
export function parseShowFormat(value: string): 'text' | 'json' | 'mermaid' {
  if (value === 'text' || value === 'json' || value === 'mermaid') return value;
  throw new UsageError(
    `--format "${value}" is not one of text, json, mermaid.`,
    'For example: --format mermaid.',
  );
}
