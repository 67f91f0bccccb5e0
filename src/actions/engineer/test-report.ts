// Reads pass/fail/skip counts and failing test names from the summary a test runner prints.

import { stripVTControlCharacters } from 'node:util';
import { parseNodeTestReport, parseTapReport } from './tap-report.js';

/** The output formats the parser knows, by the runner that prints them. */
export type TestRunner = 'vitest' | 'jest' | 'pytest' | 'mocha' | 'node:test' | 'tap';

/** What a runner's summary says; counts are absent when the runner does not print them. */
export interface TestReport {
  runner: TestRunner;
  passed?: number;
  failed?: number;
  skipped?: number;
  total?: number;
  /** Names of failing tests, in the order printed, without duplicates. */
  failedTests: string[];
}

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

/** Sums `<n> <word>` pairs of a summary line by word, e.g. `2 failed | 1 passed` → {failed: 2, passed: 1}. */
function countWords(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const match of text.matchAll(/(\d+) ([a-z]+)/g)) {
    const word = match[2] ?? '';
    counts.set(word, (counts.get(word) ?? 0) + Number(match[1]));
  }
  return counts;
}

/** Keeps the first occurrence of each name. */
function dedupe(names: Iterable<string>): string[] {
  return [...new Set(names)];
}

function findLast(lines: string[], pattern: RegExp): RegExpMatchArray | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const match = lines[i]?.match(pattern);
    if (match) return match;
  }
  return undefined;
}

function collect(lines: string[], pattern: RegExp): string[] {
  const names: string[] = [];
  for (const line of lines) {
    const name = line.match(pattern)?.[1]?.trim();
    if (name) names.push(name);
  }
  return dedupe(names);
}

/** `      Tests  2 failed | 1 passed | 1 skipped | 1 todo (5)`; failures as ` FAIL  file > suite > test`. */
function parseVitest(lines: string[]): TestReport | undefined {
  const summary = findLast(
    lines,
    /^\s*Tests\s{2,}(.*\d+ (?:passed|failed|skipped|todo).*)\((\d+)\)\s*$/,
  );
  if (!summary) return undefined;
  const counts = countWords(summary[1] ?? '');
  return {
    runner: 'vitest',
    passed: counts.get('passed') ?? 0,
    failed: counts.get('failed') ?? 0,
    skipped: (counts.get('skipped') ?? 0) + (counts.get('todo') ?? 0),
    total: Number(summary[2]),
    failedTests: collect(lines, /^\s*FAIL\s+(.+)$/),
  };
}

/** `Tests:       2 failed, 1 skipped, 1 todo, 1 passed, 5 total`; failures as `  ● suite › test`. */
function parseJest(lines: string[]): TestReport | undefined {
  const summary = findLast(lines, /^Tests:\s+(.*\d+ total)\s*$/);
  if (!summary) return undefined;
  const counts = countWords(summary[1] ?? '');
  const names = collect(lines, /^\s*● (.+)$/).filter((name) => name !== 'Console');
  return {
    runner: 'jest',
    passed: counts.get('passed') ?? 0,
    failed: counts.get('failed') ?? 0,
    skipped: (counts.get('skipped') ?? 0) + (counts.get('todo') ?? 0),
    total: counts.get('total') ?? 0,
    failedTests: names,
  };
}

/** `=== 2 failed, 1 passed, 1 skipped in 0.58s ===` (or without `=` under -q); failures as `FAILED path::test - …`. */
function parsePytest(lines: string[]): TestReport | undefined {
  const summary = findLast(
    lines,
    /^(?:=+ )?(\d+ [a-z]+(?:, \d+ [a-z]+)*) in \d+(?:\.\d+)?s\b.*?(?: =+)?$/,
  );
  if (!summary) return undefined;
  const counts = countWords(summary[1] ?? '');
  const passed = (counts.get('passed') ?? 0) + (counts.get('xpassed') ?? 0);
  const failed =
    (counts.get('failed') ?? 0) + (counts.get('error') ?? 0) + (counts.get('errors') ?? 0);
  const skipped = (counts.get('skipped') ?? 0) + (counts.get('xfailed') ?? 0);
  return {
    runner: 'pytest',
    passed,
    failed,
    skipped,
    total: passed + failed + skipped,
    failedTests: collect(lines, /^(?:FAILED|ERROR) (\S+)/),
  };
}

/** `  1 passing (3ms)`, `  1 pending`, `  2 failing`, then `  1) suite\n       test:` per failure. */
function parseMocha(lines: string[]): TestReport | undefined {
  const passingAt = lines.findLastIndex((line) => /^\s*\d+ passing \(/.test(line));
  if (passingAt < 0) return undefined;
  const counts = countWords(lines.slice(passingAt, passingAt + 3).join(' '));
  const passed = counts.get('passing') ?? 0;
  const failed = counts.get('failing') ?? 0;
  const skipped = counts.get('pending') ?? 0;
  const failedTests: string[] = [];
  for (let i = passingAt + 1; i < lines.length; i++) {
    const first = lines[i]?.match(/^\s{2}\d+\) (.+)$/)?.[1];
    if (first === undefined) continue;
    const parts = [first.trim()];
    // A nested test's title continues over indented lines, one per suite, until one ends with ':'.
    while (!parts.at(-1)?.endsWith(':') && i + 1 < lines.length && parts.length < 10) {
      parts.push(lines[++i]?.trim() ?? '');
    }
    failedTests.push(parts.join(' > ').replace(/:$/, ''));
  }
  return {
    runner: 'mocha',
    passed,
    failed,
    skipped,
    total: passed + failed + skipped,
    failedTests: dedupe(failedTests),
  };
}
