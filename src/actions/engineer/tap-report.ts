// Reads TAP streams and node:test summaries (its TAP and spec reporters) into a TestReport.

import type { TestReport } from './test-report.js';

const NODE_TEST_COUNT = /^(?:#|ℹ) (tests|suites|pass|fail|cancelled|skipped|todo) (\d+)\s*$/;
const TAP_RESULT = /^(\s*)(not )?ok\b\s*\d*\s*(?:-\s*)?(.*)$/;
const SKIP_DIRECTIVE = /\s#\s*SKIP\b.*$|^#\s*SKIP\b.*$/i;
const TODO_DIRECTIVE = /\s#\s*TODO\b.*$|^#\s*TODO\b.*$/i;

/**
 * The `# pass N` / `# fail N` summary closing a TAP stream (`ℹ pass N` with node:test's spec
 * reporter). Cancelled tests count as failed, todo ones as skipped. The runner is `node:test`
 * when the summary has node's own `suites` or `cancelled` lines, `tap` otherwise (tape and kin).
 */
export function parseNodeTestReport(lines: string[]): TestReport | undefined {
  const counts = new Map<string, number>();
  for (const line of lines) {
    const match = line.match(NODE_TEST_COUNT);
    if (match?.[1]) counts.set(match[1], Number(match[2]));
  }
  const pass = counts.get('pass');
  const fail = counts.get('fail');
  if (pass === undefined || fail === undefined) return undefined;
  const failed = fail + (counts.get('cancelled') ?? 0);
  const skipped = (counts.get('skipped') ?? 0) + (counts.get('todo') ?? 0);
  const tapNames = findFailingTapNames(lines);
  return {
    runner: counts.has('suites') || counts.has('cancelled') ? 'node:test' : 'tap',
    passed: pass,
    failed,
    skipped,
    total: counts.get('tests') ?? pass + failed + skipped,
    failedTests: tapNames.length > 0 ? tapNames : findFailingSpecNames(lines),
  };
}

/**
 * A bare TAP stream (`TAP version` or a `1..N` plan, then `ok` / `not ok` lines): counts the
 * top-level results; `# SKIP` and `# TODO` directives count as skipped.
 */
export function parseTapReport(lines: string[]): TestReport | undefined {
  if (!lines.some((line) => /^TAP version \d+|^\d+\.\.\d+/.test(line))) return undefined;
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const line of lines) {
    const match = line.match(TAP_RESULT);
    if (match?.[1] !== '') continue;
    const description = match[3] ?? '';
    if (SKIP_DIRECTIVE.test(description) || TODO_DIRECTIVE.test(description)) skipped++;
    else if (match[2]) failed++;
    else passed++;
  }
  if (passed + failed + skipped === 0) return undefined;
  return {
    runner: 'tap',
    passed,
    failed,
    skipped,
    total: passed + failed + skipped,
    failedTests: findFailingTapNames(lines),
  };
}

/**
 * Names on `not ok` lines at any depth, except todo ones and suites that failed only because a
 * subtest did (node:test marks those `failureType: 'subtestsFailed'` in the YAML block below).
 */
function findFailingTapNames(lines: string[]): string[] {
  const names: string[] = [];
  lines.forEach((line, index) => {
    const match = line.match(TAP_RESULT);
    if (!match?.[2]) return;
    const description = match[3] ?? '';
    if (TODO_DIRECTIVE.test(description)) return;
    if (hasOnlyFailedSubtests(lines, index + 1)) return;
    const name = description.replace(SKIP_DIRECTIVE, '').trim();
    if (name) names.push(name);
  });
  return [...new Set(names)];
}

function hasOnlyFailedSubtests(lines: string[], from: number): boolean {
  if (lines[from]?.trim() !== '---') return false;
  for (let i = from + 1; i < lines.length && i < from + 50; i++) {
    const line = lines[i]?.trim();
    if (line === '...') return false;
    if (line?.startsWith('failureType:')) return line.includes('subtestsFailed');
  }
  return false;
}

/** node:test's spec reporter: `✖ name (1.2ms)`, from its closing `✖ failing tests:` list when present. */
function findFailingSpecNames(lines: string[]): string[] {
  const listAt = lines.findIndex((line) => line.trim() === '✖ failing tests:');
  const names: string[] = [];
  for (const line of listAt >= 0 ? lines.slice(listAt + 1) : lines) {
    const name = line.match(/^\s*✖ (.+?) \(\d+(?:\.\d+)?m?s\)/)?.[1];
    if (name) names.push(name);
  }
  return [...new Set(names)];
}
