import { describe, expect, it } from 'vitest';
import { toStepFileStem } from '../../src/store/paths.js';
import { isLegId, isRunStepId } from '../../src/util/names.js';

describe('toStepFileStem', () => {
  it.each([
    ['build', 'build'],
    ['test(22, linux)', 'test(22,%20linux)'],
    ['test(@scope/pkg)', 'test(%40scope%2Fpkg)'],
    ['test(..)', 'test(%2E%2E)'],
    ['test(../../etc/passwd)', 'test(%2E%2E%2F%2E%2E%2Fetc%2Fpasswd)'],
    ['test(a\\b)', 'test(a%5Cb)'],
    ['test(é)', 'test(%C3%A9)'],
    ['test(100%)', 'test(100%25)'],
  ])('encodes %s as %s', (id, stem) => {
    expect(toStepFileStem(id)).toBe(stem);
  });

  it('keeps distinct ids distinct and every stem a plain file name', () => {
    const ids = ['test(a b)', 'test(a%20b)', 'test(a/b)', 'test(a%2Fb)', 'test(.)', 'test(..)'];
    const stems = ids.map(toStepFileStem);
    expect(new Set(stems).size).toBe(ids.length);
    for (const stem of stems) expect(stem).toMatch(/^[A-Za-z0-9_(),%-]+$/);
  });

  it('cuts a long id and keeps it unique with a hash', () => {
    const long = `test(${'x'.repeat(400)})`;
    const other = `test(${'x'.repeat(399)}y)`;
    expect(toStepFileStem(long).length).toBeLessThanOrEqual(200);
    expect(toStepFileStem(long)).not.toBe(toStepFileStem(other));
  });
});

describe('isLegId', () => {
  it.each([
    ['test(22, linux)', true],
    ['test(@scope/pkg)', true],
    ['test', false],
    ['Test(1)', false],
    ['test(a\nb)', false],
    ['../x(1)', false],
    [`test(${'x'.repeat(2000)})`, false],
  ])('judges %s a leg id: %s', (id, expected) => {
    expect(isLegId(id)).toBe(expected);
  });

  it('takes a step id or a leg id as a step of a run', () => {
    expect(isRunStepId('build')).toBe(true);
    expect(isRunStepId('test(1)')).toBe(true);
    expect(isRunStepId('a/b')).toBe(false);
  });
});
