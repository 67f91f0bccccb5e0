import { describe, expect, it } from 'vitest';
import { formatDuration } from '../../src/util/duration.js';
import {
  describeRunStatus,
  formatAttempts,
  formatProgress,
  isResumable,
} from '../../src/view/format.js';

describe('formatDuration, the one form of a duration on every surface', () => {
  it.each([
    [null, ''],
    [undefined, ''],
    [Number.NaN, ''],
    [0, '0ms'],
    [849.6, '850ms'],
    [4_200, '4.2s'],
    [9_949, '9.9s'],
    [9_950, '10s'],
    [12_300, '12s'],
    [59_499, '59s'],
    [59_500, '1m 0s'],
    [65_000, '1m 5s'],
    [3_600_000, '1h 0m'],
    [3_725_000, '1h 2m'],
  ])('writes %s ms as "%s"', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('the words of a run', () => {
  it.each([
    [{ status: 'running', ownerPid: 42 }, 'running (pid 42)'],
    [{ status: 'crashed', ownerPid: null }, 'crashed (resumable)'],
    [{ status: 'failed', ownerPid: null }, 'failed'],
    [{ status: 'completed' }, 'completed'],
  ] as const)('tells %o as "%s"', (run, words) => {
    expect(describeRunStatus(run)).toBe(words);
  });

  it('counts progress and attempts only when there is something to say', () => {
    expect(formatProgress({ completed: 3, total: 5 })).toBe('3/5');
    expect(formatAttempts(1)).toBe('');
    expect(formatAttempts(3)).toBe('3 attempts');
  });

  it.each([
    ['failed', true],
    ['interrupted', true],
    ['crashed', true],
    ['running', false],
    ['completed', false],
  ] as const)('resumes a %s run: %s', (status, resumable) => {
    expect(isResumable(status)).toBe(resumable);
  });
});
