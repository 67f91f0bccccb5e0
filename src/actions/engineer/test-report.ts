// Reads pass/fail/skip counts, failing test names and files that failed to load from the output
// of a test command.

import { stripVTControlCharacters } from 'node:util';
import type { TestReport } from './report-lines.js';
import { parseJest, parseMocha, parsePytest, parseVitest } from './runner-reports.js';
import { parseNodeTestReport, parseTapReport } from './tap-report.js';

export type { TestReport, TestRunner } from './report-lines.js';

type Parser = (lines: string[]) => TestReport | undefined;

const PARSERS: readonly Parser[] = [
  parseVitest,
  parseJest,
  parsePytest,
  parseMocha,
  parseNodeTestReport,
  parseTapReport,
];

/**
 * Parses the output of a test command (stdout and stderr together). Formats are tried from the
 * most distinctive summary to the least (vitest, jest, pytest, mocha, node:test, TAP); the first
 * that matches wins. Returns undefined when no known summary is found.
 */
export function parseTestReport(output: string): TestReport | undefined {
  const lines = stripVTControlCharacters(output).split(/\r?\n/);
  for (const parse of PARSERS) {
    const report = parse(lines);
    if (report) return report;
  }
  return undefined;
}

/**
 * Where a Node program stopped on loading a file, as Node prints an uncaught error:
 * `/path/file.js:1`, the source line, a caret, then `SyntaxError: …`. For runners that print no
 * summary of their own when a file does not load (tape and other TAP producers).
 */
export function findLoadError(output: string): { file: string; error: string } | undefined {
  const lines = stripVTControlCharacters(output).split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const file = lines[i]?.match(/^((?:[A-Za-z]:)?[\\/]\S+\.[cm]?[jt]sx?):\d+$/)?.[1];
    if (file === undefined) continue;
    const error = lines
      .slice(i + 1, i + 8)
      .find((line) => /^[A-Z]\w*Error\b.*:/.test(line) || /^Error\b/.test(line));
    if (error !== undefined) return { file, error: error.trim() };
  }
  return undefined;
}
