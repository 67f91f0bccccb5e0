// Small readers of a test runner's output lines, shared by the runners' report parsers.

/** The output formats the parser knows, by the runner that prints them. */
export type TestRunner = 'vitest' | 'jest' | 'pytest' | 'mocha' | 'node:test' | 'tap';

/**
 * What a runner's summary says; counts are absent when the runner does not print them. A test
 * file that fails to load counts as one failed test (as node:test and pytest count it) and is
 * named in `failedFiles`, never in `failedTests`.
 */
export interface TestReport {
  /** The runner that printed the summary, or those that did joined by ` + ` (`node:test + vitest`). */
  runner: TestRunner | string;
  passed?: number;
  failed?: number;
  skipped?: number;
  total?: number;
  /** Names of failing tests, in the order printed, without duplicates. */
  failedTests: string[];
  /** Test files that failed to load (a syntax or import error), so none of their tests ran. */
  failedFiles: string[];
}

/** Sums `<n> <word>` pairs of a summary line by word, e.g. `2 failed | 1 passed` → {failed: 2, passed: 1}. */
export function countWords(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const match of text.matchAll(/(\d+) ([a-z]+)/g)) {
    const word = match[2] ?? '';
    counts.set(word, (counts.get(word) ?? 0) + Number(match[1]));
  }
  return counts;
}

/** Keeps the first occurrence of each name. */
export function dedupe(names: Iterable<string>): string[] {
  return [...new Set(names)];
}

/** The last line matching `pattern`, as its match. */
export function findLast(lines: string[], pattern: RegExp): RegExpMatchArray | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const match = lines[i]?.match(pattern);
    if (match) return match;
  }
  return undefined;
}

/** The first capture group of every line matching `pattern`, trimmed, without duplicates. */
export function collect(lines: string[], pattern: RegExp): string[] {
  const names: string[] = [];
  for (const line of lines) {
    const name = line.match(pattern)?.[1]?.trim();
    if (name) names.push(name);
  }
  return dedupe(names);
}

/** The next line after `index` that is not blank. */
export function findNextText(lines: string[], index: number): string | undefined {
  for (let i = index + 1; i < lines.length; i++) {
    const line = lines[i]?.trim();
    if (line) return line;
  }
  return undefined;
}
