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
 * Parses the output of a test command (stdout and stderr together): the summary of every runner
 * it ran (vitest, jest, pytest, mocha, node:test, TAP), each its last one, summed when there are
 * several (`node --test && vitest run`), the runner then named `node:test + vitest`. A bare TAP
 * stream counts only where no node:test or tape summary closed it. Returns undefined when no
 * known summary is found.
 */
export function parseTestReport(output: string): TestReport | undefined {
  const lines = stripVTControlCharacters(output).split(/\r?\n/);
  const reports: TestReport[] = [];
  for (const parse of PARSERS) {
    const isTapRead = reports.some(
      (report) => report.runner === 'node:test' || report.runner === 'tap',
    );
    if (parse === parseTapReport && isTapRead) continue;
    const report = parse(lines);
    if (report) reports.push(report);
  }
  return combineReports(reports);
}

/** The reports of the runners one command ran, as one: their counts and names together. */
function combineReports(reports: TestReport[]): TestReport | undefined {
  // Beside a runner that counted tests, a "summary" that counted none only looked like one.
  const counted = reports.filter(
    (report) => (report.total ?? 0) > 0 || report.failedFiles.length > 0,
  );
  if (counted.length <= 1) return counted[0] ?? reports[0];
  const sum = (key: 'passed' | 'failed' | 'skipped' | 'total') =>
    counted.every((report) => report[key] === undefined)
      ? undefined
      : counted.reduce((total, report) => total + (report[key] ?? 0), 0);
  return {
    runner: counted.map((report) => report.runner).join(' + '),
    passed: sum('passed'),
    failed: sum('failed'),
    skipped: sum('skipped'),
    total: sum('total'),
    failedTests: counted.flatMap((report) => report.failedTests),
    failedFiles: counted.flatMap((report) => report.failedFiles),
  };
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
