// Reads TAP streams and node:test summaries (its TAP and spec reporters) into a TestReport.

import { dedupe, type TestReport } from './report-lines.js';

const NODE_TEST_COUNT = /^(?:#|ℹ) (tests|suites|pass|fail|cancelled|skipped|todo) (\d+)\s*$/;
const TAP_RESULT = /^(\s*)(not )?ok\b\s*\d*\s*(?:-\s*)?(.*)$/;
const SKIP_DIRECTIVE = /\s#\s*SKIP\b.*$|^#\s*SKIP\b.*$/i;
const TODO_DIRECTIVE = /\s#\s*TODO\b.*$|^#\s*TODO\b.*$/i;
/** node:test up to 21 names a test file that failed to load (or crashed) by its absolute path. */
const SCRIPT_PATH = /^(?:[A-Za-z]:)?[\\/].*\.[cm]?[jt]sx?$/;
/** What node:test says of a whole file's process in a TAP result's YAML block (22 and later). */
const PROCESS_KEY = /^\s*(?:exitCode|signal):/;

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
  const tapFailures = findFailingTapResults(lines);
  const failures = tapFailures.length > 0 ? tapFailures : findFailingSpecResults(lines);
  return {
    runner: counts.has('suites') || counts.has('cancelled') ? 'node:test' : 'tap',
    passed: pass,
    failed,
    skipped,
    total: counts.get('tests') ?? pass + failed + skipped,
    failedTests: dedupe(failures.filter((each) => !each.isFile).map((each) => each.name)),
    failedFiles: dedupe(failures.filter((each) => each.isFile).map((each) => each.name)),
  };
}

/**
 * A bare TAP stream (`TAP version` or a `1..N` plan, then `ok` / `not ok` lines): counts the
 * tests that are not parents of subtests (TAP 14 indents a test's subtests above its own result
 * line, so a suite of three is three tests, not one); `# SKIP` and `# TODO` count as skipped.
 */
export function parseTapReport(lines: string[]): TestReport | undefined {
  if (!lines.some((line) => /^TAP version \d+|^\d+\.\.\d+/.test(line))) return undefined;
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const result of readTapResults(lines)) {
    if (result.isParent) continue;
    if (SKIP_DIRECTIVE.test(result.description) || TODO_DIRECTIVE.test(result.description))
      skipped++;
    else if (result.isFailed) failed++;
    else passed++;
  }
  if (passed + failed + skipped === 0) return undefined;
  return {
    runner: 'tap',
    passed,
    failed,
    skipped,
    total: passed + failed + skipped,
    failedTests: dedupe(findFailingTapResults(lines).map((each) => each.name)),
    failedFiles: [],
  };
}

interface TapResult {
  isFailed: boolean;
  description: string;
  /** It closes a block of subtests: it failed or passed because they did. */
  isParent: boolean;
  /** Its YAML block tells a process's end (node:test's result for a whole test file). */
  isProcess: boolean;
}

/** A failing test, or a test file that failed as a whole (it did not load, or crashed). */
interface Failure {
  name: string;
  isFile: boolean;
}

/** Every `ok` / `not ok` line at any depth, outside YAML blocks, marked when it is a parent. */
function readTapResults(lines: string[]): TapResult[] {
  const results: TapResult[] = [];
  // Per indentation: whether results of deeper subtests came since the last result at that depth.
  const hasSubtests: boolean[] = [];
  let yamlIndent: number | undefined;
  for (const line of lines) {
    const indent = line.length - line.trimStart().length;
    if (yamlIndent !== undefined) {
      if (line.trim() === '...' && indent === yamlIndent) yamlIndent = undefined;
      else if (PROCESS_KEY.test(line) && results.length > 0)
        results[results.length - 1]!.isProcess = true;
      continue;
    }
    if (line.trim() === '---') {
      yamlIndent = indent;
      continue;
    }
    const match = line.match(TAP_RESULT);
    if (match?.[1] === undefined) continue;
    const depth = match[1].length;
    results.push({
      isFailed: match[2] !== undefined,
      description: match[3] ?? '',
      isParent: hasSubtests[depth] === true,
      isProcess: false,
    });
    hasSubtests[depth] = false;
    for (let other = 0; other < depth; other++) hasSubtests[other] = true;
  }
  return results;
}

/** Failing results that are not parents of subtests, todo ones excepted. */
function findFailingTapResults(lines: string[]): Failure[] {
  const failures: Failure[] = [];
  for (const result of readTapResults(lines)) {
    if (!result.isFailed || result.isParent || TODO_DIRECTIVE.test(result.description)) continue;
    const name = result.description.replace(SKIP_DIRECTIVE, '').trim();
    if (name) failures.push({ name, isFile: result.isProcess || SCRIPT_PATH.test(name) });
  }
  return failures;
}

/**
 * node:test's spec reporter: `✖ name (1.2ms)`, from its closing `✖ failing tests:` list when
 * present. There each failure follows `test at <file>:<line>:<column>`; a whole file's failure is
 * named by that file (a path relative to where it ran since Node 22, absolute before).
 */
function findFailingSpecResults(lines: string[]): Failure[] {
  const listAt = lines.findIndex((line) => line.trim() === '✖ failing tests:');
  const failures: Failure[] = [];
  let location: string | undefined;
  for (const line of listAt >= 0 ? lines.slice(listAt + 1) : lines) {
    const at = line.match(/^test at (.+):\d+:\d+$/)?.[1];
    if (at !== undefined) location = at;
    const name = line.match(/^\s*✖ (.+?) \(\d+(?:\.\d+)?m?s\)/)?.[1];
    if (name) failures.push({ name, isFile: name === location || SCRIPT_PATH.test(name) });
  }
  return failures;
}
