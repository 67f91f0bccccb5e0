import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, hashStep, stableStringify } from '../../src/definition/resolve.js';

/** The text earlier versions hashed (written with array methods); step hashes must not change. */
function earlierStableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(earlierStableStringify).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${earlierStableStringify(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

describe('stableStringify', () => {
  it('writes any JSON value as earlier versions did, and as JSON that reads back the same', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = stableStringify(value);
        expect(text).toBe(earlierStableStringify(value));
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    [{ b: 1, a: [2, { d: undefined, c: 'x' }] }, '{"a":[2,{"c":"x"}],"b":1}'],
    [[undefined, null], '[null,null]'],
    [{ é: 1, Z: 2, a: 3, '10': 4, '9': 5 }, '{"10":4,"9":5,"Z":2,"a":3,"é":1}'],
    [undefined, 'null'],
  ])('writes %j as %s', (value, text) => {
    expect(stableStringify(value)).toBe(text);
  });
});

describe('hashStep', () => {
  const step = {
    action: 'shell',
    universe: 'engineer' as const,
    with: { run: 'echo hi', cwd: 'a' },
    env: { B: '2', A: '1' },
    when: undefined,
    timeoutMs: undefined,
    retry: { ...DEFAULT_RETRY },
    continueOnError: false,
  };

  it('keeps the hash recorded by earlier runs (a change would re-run every kept step)', () => {
    expect(hashStep(step)).toBe('164a190039a0a968940c42122a0f8dd4713648ad8ac77279bcea8767f6e52498');
  });

  it('does not depend on the order of keys', () => {
    const reordered = { ...step, with: { cwd: 'a', run: 'echo hi' }, env: { A: '1', B: '2' } };
    expect(hashStep(reordered)).toBe(hashStep(step));
  });
});
