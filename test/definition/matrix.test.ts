import { describe, expect, it } from 'vitest';
import {
  expandMatrix,
  formatLegId,
  getLegGroup,
  MAX_MATRIX_LEGS,
} from '../../src/definition/matrix.js';

const ids = (matrix: unknown) => {
  const result = expandMatrix('test', matrix);
  if ('problems' in result) throw new Error(result.problems[0]?.message);
  return result.matrix.legs.map((leg) => formatLegId('test', leg, result.matrix.keys));
};

describe('expandMatrix', () => {
  const expansions: [string, unknown, string[]][] = [
    ['one key gives one leg per value', { node: [20, 22] }, ['test(20)', 'test(22)']],
    [
      'two keys give their product, in the order of the keys',
      { node: ['20', '22'], os: ['linux', 'mac'] },
      ['test(20, linux)', 'test(20, mac)', 'test(22, linux)', 'test(22, mac)'],
    ],
    [
      "exclude drops every combination that has all of an entry's values",
      { node: [20, 22], os: ['linux', 'mac'], exclude: [{ node: 20, os: 'mac' }] },
      ['test(20, linux)', 'test(22, linux)', 'test(22, mac)'],
    ],
    [
      'a partial exclude drops every combination it matches',
      { node: [20, 22], os: ['linux', 'mac'], exclude: [{ os: 'mac' }] },
      ['test(20, linux)', 'test(22, linux)'],
    ],
    [
      'an include that changes no original value extends every combination it fits',
      { node: [20, 22], include: [{ node: 22, experimental: true }] },
      ['test(20)', 'test(22, true)'],
    ],
    [
      'an include that fits no combination is a leg of its own',
      { node: [20], include: [{ node: 24 }] },
      ['test(20)', 'test(24)'],
    ],
    [
      'include alone gives its entries as legs',
      { include: [{ pkg: 'a' }, { pkg: 'b' }] },
      ['test(a)', 'test(b)'],
    ],
    [
      'booleans and numbers are values too',
      { flag: [true, false], n: [0] },
      ['test(true, 0)', 'test(false, 0)'],
    ],
    [
      'a combination given twice is one leg',
      { include: [{ pkg: 'a' }, { pkg: 'a' }] },
      ['test(a)'],
    ],
  ];
  it.each(expansions)('%s', (_title, matrix, expected) => {
    expect(ids(matrix)).toEqual(expected);
  });

  it("follows the example of GitHub Actions' documentation for include", () => {
    const result = expandMatrix('t', {
      fruit: ['apple', 'pear'],
      animal: ['cat', 'dog'],
      include: [
        { color: 'green' },
        { color: 'pink', animal: 'cat' },
        { fruit: 'apple', shape: 'circle' },
        { fruit: 'banana' },
        { fruit: 'banana', animal: 'cat' },
      ],
    });
    expect('matrix' in result && result.matrix.legs).toEqual([
      { fruit: 'apple', animal: 'cat', color: 'pink', shape: 'circle' },
      { fruit: 'apple', animal: 'dog', color: 'green', shape: 'circle' },
      { fruit: 'pear', animal: 'cat', color: 'pink' },
      { fruit: 'pear', animal: 'dog', color: 'green' },
      { fruit: 'banana' },
      { fruit: 'banana', animal: 'cat' },
    ]);
  });

  const problems: [string, unknown, RegExp, (string | number)[]][] = [
    ['a matrix that is not a mapping', ['a'], /must be a mapping of keys to lists/, []],
    ['a key that is not a list', { node: '20' }, /"node" must be a list of values/, ['node']],
    ['an empty list', { node: [] }, /"node" is an empty list/, ['node']],
    ['an empty matrix', {}, /has no legs/, []],
    [
      'a matrix whose every combination is excluded',
      { a: [1], exclude: [{ a: 1 }] },
      /has no legs/,
      [],
    ],
    [
      'a value that is not a scalar',
      { node: [{ v: 1 }] },
      /a matrix value is a string, a number or a boolean/,
      ['node', 0],
    ],
    [
      'an include that is not a list',
      { include: { a: 1 } },
      /"include" must be a list of mappings/,
      ['include'],
    ],
    [
      'an exclude entry that is empty',
      { a: [1], exclude: [{}] },
      /"exclude\[0\]" must be a mapping/,
      ['exclude', 0],
    ],
    [
      `more than ${MAX_MATRIX_LEGS} legs`,
      { a: Array.from({ length: 20 }, (_, i) => i), b: Array.from({ length: 13 }, (_, i) => i) },
      /more than 256 legs/,
      ['b'],
    ],
    [
      `more than ${MAX_MATRIX_LEGS} legs through include`,
      { include: Array.from({ length: 257 }, (_, i) => ({ n: i })) },
      /more than 256 legs/,
      ['include'],
    ],
  ];
  it.each(problems)('refuses %s and says where', (_title, matrix, message, path) => {
    const result = expandMatrix('test', matrix);
    expect('problems' in result && result.problems[0]?.message).toMatch(message);
    expect('problems' in result && result.problems[0]?.path).toEqual(path);
  });

  it('refuses a huge include list without going through all of it', () => {
    const include = Array.from({ length: 200_000 }, (_, i) => ({ n: i }));
    const result = expandMatrix('test', { include });
    expect('problems' in result && result.problems[0]?.message).toMatch(/more than 256 legs/);
  });

  it('reports every problem of its shape at once, each at its place', () => {
    const result = expandMatrix('test', {
      a: [],
      b: 'x',
      c: [1, { d: 2 }],
      include: [{}, { e: [1] }],
      exclude: 'y',
    });
    expect('problems' in result && result.problems.map((problem) => problem.path)).toEqual([
      ['a'],
      ['b'],
      ['c', 1],
      ['include', 0],
      ['include', 1, 'e'],
      ['exclude'],
    ]);
  });

  it('accepts exactly the limit of legs', () => {
    expect(
      ids({
        a: Array.from({ length: 16 }, (_, i) => i),
        b: Array.from({ length: 16 }, (_, i) => i),
      }),
    ).toHaveLength(256);
  });
});

describe('getLegGroup', () => {
  it.each([
    ['test(22, linux)', 'test'],
    ['test(@scope/pkg)', 'test'],
    ['test', undefined],
    ['(x)', undefined],
  ])('reads the step of %s', (id, group) => {
    expect(getLegGroup(id)).toBe(group);
  });
});
