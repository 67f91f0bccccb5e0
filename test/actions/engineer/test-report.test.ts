// parseTestReport reads the summaries real test runners print.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseTestReport } from '../../../src/actions/engineer/test-report.js';

/**
 * Output recorded once from real runs (CI=true, NO_COLOR=1) of the same small suite: a passing,
 * two failing and a skipped test (plus a todo where the runner has one). Runners: jest 30.5.2,
 * mocha 12.0.3, pytest 9.0.3 (default and -q), vitest 4.1.12, node 20.20 (TAP and spec reporters;
 * with a file that fails to load, also node 24.22).
 * real-runners.test.ts runs the same runners live (jest, mocha and tape are devDependencies).
 */
function readRecorded(name: string): string {
  return readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8');
}

describe('parseTestReport', () => {
  it.each([
    {
      file: 'vitest.txt',
      report: {
        runner: 'vitest',
        passed: 1,
        failed: 2,
        skipped: 2,
        total: 5,
        failedTests: ['a.test.mjs > math > parses dates', 'a.test.mjs > subtracts'],
        failedFiles: [],
      },
    },
    {
      file: 'jest.txt',
      report: {
        runner: 'jest',
        passed: 1,
        failed: 2,
        skipped: 2,
        total: 5,
        failedTests: ['math › parses dates', 'subtracts'],
        failedFiles: [],
      },
    },
    {
      file: 'mocha.txt',
      report: {
        runner: 'mocha',
        passed: 1,
        failed: 2,
        skipped: 1,
        total: 4,
        failedTests: ['subtracts', 'math > parses dates'],
        failedFiles: [],
      },
    },
    ...['pytest.txt', 'pytest-quiet.txt'].map((file) => ({
      file,
      report: {
        runner: 'pytest',
        passed: 1,
        failed: 2,
        skipped: 1,
        total: 4,
        failedTests: ['test_a.py::test_parses_dates', 'test_a.py::TestMath::test_subtracts'],
        failedFiles: [],
      },
    })),
    ...['node-test-tap.txt', 'node-test-spec.txt'].map((file) => ({
      file,
      report: {
        runner: 'node:test',
        passed: 1,
        failed: 1,
        skipped: 1,
        total: 3,
        failedTests: ['parses dates'],
        failedFiles: [],
      },
    })),
  ])('reads counts and failing names from recorded $file', ({ file, report }) => {
    expect(parseTestReport(readRecorded(file))).toEqual(report);
  });

  // A passing and a failing test, and a file that does not load. Node 20 names that file by its
  // absolute path, Node 22 and later by its path from where the tests ran (and print the spec
  // reporter when not on a terminal).
  it.each([
    ['node20-test-spec-broken.txt', '/tmp/suite/broken.test.mjs'],
    ['node20-test-tap-broken.txt', '/tmp/suite/broken.test.mjs'],
    ['node24-test-spec-broken.txt', 'broken.test.mjs'],
    ['node24-test-tap-broken.txt', 'broken.test.mjs'],
  ])(
    'tells a node:test file that failed to load from a failing test in recorded %s',
    (file, broken) => {
      expect(parseTestReport(readRecorded(file))).toEqual({
        runner: 'node:test',
        passed: 1,
        failed: 2,
        skipped: 0,
        total: 3,
        failedTests: ['parses dates'],
        failedFiles: [broken],
      });
    },
  );

  it.each([
    {
      title: 'a passing vitest summary',
      output: ' Test Files  1 passed (1)\n      Tests  3 passed (3)\n',
      report: {
        runner: 'vitest',
        passed: 3,
        failed: 0,
        skipped: 0,
        total: 3,
        failedTests: [],
        failedFiles: [],
      },
    },
    {
      title: 'a passing jest summary',
      output: 'Test Suites: 1 passed, 1 total\nTests:       4 passed, 4 total\n',
      report: {
        runner: 'jest',
        passed: 4,
        failed: 0,
        skipped: 0,
        total: 4,
        failedTests: [],
        failedFiles: [],
      },
    },
    {
      title: 'a pytest summary with errors, xfailed and warnings',
      output: '== 1 failed, 3 passed, 1 xfailed, 1 error, 2 warnings in 1.02s (0:00:01) ==\n',
      report: {
        runner: 'pytest',
        passed: 3,
        failed: 2,
        skipped: 1,
        total: 6,
        failedTests: [],
        failedFiles: [],
      },
    },
    {
      title: 'a bare TAP stream with SKIP and TODO directives',
      output:
        'TAP version 13\n1..4\nok 1 - adds\nnot ok 2 - parses dates\nok 3 - later # SKIP slow\nnot ok 4 - someday # TODO\n',
      report: {
        runner: 'tap',
        passed: 1,
        failed: 1,
        skipped: 2,
        total: 4,
        failedTests: ['parses dates'],
        failedFiles: [],
      },
    },
    {
      title: 'a tape-style TAP summary without node:test lines',
      output:
        'TAP version 13\nok 1 a\nnot ok 2 b\n\n1..2\n# tests 2\n# pass  1\n# pass 1\n# fail 1\n',
      report: {
        runner: 'tap',
        passed: 1,
        failed: 1,
        skipped: 0,
        total: 2,
        failedTests: ['b'],
        failedFiles: [],
      },
    },
  ])('reads $title', ({ output, report }) => {
    expect(parseTestReport(output)).toEqual(report);
  });

  it('sums the counts of every runner one command ran, naming them all', () => {
    const output = ['node-test-tap.txt', 'vitest.txt', 'mocha.txt'].map(readRecorded).join('\n');
    expect(parseTestReport(output)).toEqual({
      runner: 'vitest + mocha + node:test',
      passed: 3,
      failed: 5,
      skipped: 4,
      total: 12,
      failedTests: [
        'a.test.mjs > math > parses dates',
        'a.test.mjs > subtracts',
        'subtracts',
        'math > parses dates',
        'parses dates',
      ],
      failedFiles: [],
    });
  });

  it('reads node:test TAP once, never again as a bare TAP stream, beside another runner', () => {
    const output = `${readRecorded('node-test-tap.txt')}\n${readRecorded('pytest.txt')}`;
    expect(parseTestReport(output)).toMatchObject({
      runner: 'pytest + node:test',
      passed: 2,
      failed: 3,
      total: 7,
    });
  });

  it('reads a summary printed in colour', () => {
    const output =
      '\u001b[2m      Tests \u001b[22m \u001b[1m\u001b[32m2 passed\u001b[39m\u001b[22m\u001b[90m (2)\u001b[39m\n';
    expect(parseTestReport(output)).toMatchObject({ runner: 'vitest', passed: 2, total: 2 });
  });

  it('returns undefined when no known summary is printed', () => {
    expect(parseTestReport('compiling…\nok\nall good\n')).toBeUndefined();
    expect(parseTestReport('')).toBeUndefined();
  });
});
