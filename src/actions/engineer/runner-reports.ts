// The summaries of vitest, jest, pytest and mocha, each read as the runner really prints it,
// including test files that fail to load (checked against the real runners in the tests).

import {
  collect,
  countWords,
  dedupe,
  findLast,
  findNextText,
  type TestReport,
} from './report-lines.js';

/**
 * `      Tests  2 failed | 1 passed | 1 skipped | 1 todo (5)` (or `Tests  no tests` when no file
 * loaded); failures as ` FAIL  file > suite > test`, files that failed to load as
 * ` FAIL  file [ file ]` under `Failed Suites`.
 */
export function parseVitest(lines: string[]): TestReport | undefined {
  const summary = findLast(
    lines,
    /^\s*Tests\s{2,}(?:(.*\d+ (?:passed|failed|skipped|todo).*)\((\d+)\)|no tests)\s*$/,
  );
  if (!summary) return undefined;
  const counts = countWords(summary[1] ?? '');
  const failedFiles: string[] = [];
  const failedTests: string[] = [];
  for (const line of lines) {
    const fail = line.match(/^\s*FAIL\s+(.+?)(?:\s+\[ (.+) \])?\s*$/);
    if (!fail?.[1]) continue;
    if (fail[2] === fail[1]) failedFiles.push(fail[1]);
    else if (fail[2] === undefined) failedTests.push(fail[1]);
  }
  const files = dedupe(failedFiles);
  const names = dedupe(failedTests);
  // A suite whose hook failed is a failure vitest's test count leaves out (its tests are skipped).
  const failed = Math.max(counts.get('failed') ?? 0, names.length) + files.length;
  return {
    runner: 'vitest',
    passed: counts.get('passed') ?? 0,
    failed,
    skipped: (counts.get('skipped') ?? 0) + (counts.get('todo') ?? 0),
    total: Number(summary[2] ?? 0) + failed - (counts.get('failed') ?? 0),
    failedTests: names,
    failedFiles: files,
  };
}

/**
 * `Tests:       2 failed, 1 skipped, 1 todo, 1 passed, 5 total`; failures as `  ● suite › test`;
 * a file that fails to load as `FAIL path` followed by `● Test suite failed to run`.
 */
export function parseJest(lines: string[]): TestReport | undefined {
  const summary = findLast(lines, /^Tests:\s+(.*\d+ total)\s*$/);
  if (!summary) return undefined;
  const counts = countWords(summary[1] ?? '');
  const failedFiles: string[] = [];
  lines.forEach((line, index) => {
    const file = line.match(/^FAIL\s+(\S.*?)\s*$/)?.[1];
    if (file && findNextText(lines, index) === '● Test suite failed to run') failedFiles.push(file);
  });
  const names = collect(lines, /^\s*● (.+)$/).filter(
    (name) => name !== 'Console' && name !== 'Test suite failed to run',
  );
  const files = dedupe(failedFiles);
  return {
    runner: 'jest',
    passed: counts.get('passed') ?? 0,
    failed: (counts.get('failed') ?? 0) + files.length,
    skipped: (counts.get('skipped') ?? 0) + (counts.get('todo') ?? 0),
    total: (counts.get('total') ?? 0) + files.length,
    failedTests: names,
    failedFiles: files,
  };
}

/**
 * `=== 2 failed, 1 passed, 1 skipped in 0.58s ===` (or without `=` under -q); failures as
 * `FAILED path::test - …`; a file that fails to load (a collection error, counted among the
 * errors) as `ERROR path`.
 */
export function parsePytest(lines: string[]): TestReport | undefined {
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
    failedTests: collect(lines, /^(?:FAILED|ERROR) (\S+::\S+)/),
    failedFiles: collect(lines, /^ERROR ([^\s:]+)(?: - .*)?$/),
  };
}

/**
 * `  1 passing (3ms)`, `  1 pending`, `  2 failing`, then `  1) suite\n       test:` per failure.
 * A file that fails to load stops mocha before any test runs: `Exception during run: …`.
 */
export function parseMocha(lines: string[]): TestReport | undefined {
  const passingAt = lines.findLastIndex((line) => /^\s*\d+ passing \(/.test(line));
  if (passingAt < 0) return parseMochaException(lines);
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
    failedFiles: [],
  };
}

/** Mocha's `Exception during run:` names the file (syntax error), or the error and its importer. */
function parseMochaException(lines: string[]): TestReport | undefined {
  const at = lines.findIndex((line) => line.trimStart().startsWith('Exception during run: '));
  if (at < 0) return undefined;
  const text = lines[at]?.trim().slice('Exception during run: '.length) ?? '';
  const file =
    text.match(/^(\S+?):\d+$/)?.[1] ??
    text.match(/ imported from (\S+)$/)?.[1] ??
    lines
      .slice(at + 1, at + 6)
      .find((line) => line.startsWith('- '))
      ?.slice(2) ??
    text;
  return {
    runner: 'mocha',
    passed: 0,
    failed: 1,
    skipped: 0,
    total: 1,
    failedTests: [],
    failedFiles: [file],
  };
}
