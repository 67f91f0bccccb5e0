import { describe, expect, it } from 'vitest';
import type { SourcePosition } from '../../src/errors.js';
import { buildGraph, checkGraph, findCycles, type GraphStep } from '../../src/plan/graph.js';

/** Steps from a compact table: `a: b c` means step a depends on b and c. */
function steps(...lines: string[]): GraphStep[] {
  return lines.map((line) => {
    const [id = '', deps = ''] = line.split(':');
    return { id: id.trim(), dependsOn: deps.split(' ').filter(Boolean) };
  });
}

const messages = (list: GraphStep[]) => checkGraph(list).problems.map((problem) => problem.message);

describe('checkGraph', () => {
  it.each([
    ['a valid diamond', steps('a:', 'b: a', 'c: a', 'd: b c'), []],
    [
      'an unknown dependency with a suggestion',
      steps('build:', 'test: buid'),
      ['Step "test" depends on unknown step "buid". Did you mean "build"?'],
    ],
    [
      'an unknown dependency without a close name',
      steps('build:', 'test: xyz'),
      ['Step "test" depends on unknown step "xyz".'],
    ],
    [
      'a self-dependency',
      steps('a: a'),
      ['Step "a" depends on itself: remove "a" from its depends_on.'],
    ],
    [
      'a cycle of three, named in full',
      steps('a: b', 'b: c', 'c: a'),
      [
        'Cycle in depends_on: a -> b -> c -> a (each step waits for the next, so none of them can start).',
      ],
    ],
    [
      'a cycle named from its first step in definition order',
      steps('x:', 'c: a', 'b: c', 'a: b'),
      [
        'Cycle in depends_on: c -> a -> b -> c (each step waits for the next, so none of them can start).',
      ],
    ],
    [
      'two cycles sharing a step, each once',
      steps('a: b', 'b: a c', 'c: b'),
      [
        'Cycle in depends_on: a -> b -> a (each step waits for the next, so none of them can start).',
        'Cycle in depends_on: b -> c -> b (each step waits for the next, so none of them can start).',
      ],
    ],
    [
      'two separate cycles',
      steps('a: b', 'b: a', 'c: d', 'd: c', 'e: a'),
      [
        'Cycle in depends_on: a -> b -> a (each step waits for the next, so none of them can start).',
        'Cycle in depends_on: c -> d -> c (each step waits for the next, so none of them can start).',
      ],
    ],
  ])('reports %s', (_case, list, expected) => {
    expect(messages(list)).toEqual(expected);
  });

  it('positions problems at the depends_on entry through a locator', () => {
    const locate = (id: string, index: number): SourcePosition => ({
      file: 'w.yaml',
      line: id.charCodeAt(0),
      col: index + 1,
    });
    const { problems } = checkGraph(steps('a: x b', 'b: a'), locate);
    expect(problems.map((problem) => problem.position)).toEqual([
      { file: 'w.yaml', line: 97, col: 1 },
      { file: 'w.yaml', line: 97, col: 2 },
    ]);
  });

  it('positions problems at the step through a map of positions', () => {
    const position = { file: 'w.yaml', line: 3, col: 5 };
    const { problems } = checkGraph(steps('a: a'), new Map([['a', position]]));
    expect(problems[0]?.position).toEqual(position);
  });

  it('finds a long cycle and a wide graph quickly', () => {
    const ring = Array.from({ length: 5000 }, (_, i) => `s${i}: s${(i + 1) % 5000}`);
    const started = performance.now();
    const { cycles } = findCycles(steps(...ring));
    expect(cycles).toHaveLength(1);
    expect(cycles[0]).toHaveLength(5001);
    const dense = Array.from(
      { length: 30 },
      (_, i) =>
        `n${i}: ${Array.from({ length: 30 }, (_, j) => (j !== i ? `n${j}` : '')).join(' ')}`,
    );
    const result = findCycles(steps(...dense));
    expect(result.isComplete).toBe(false);
    expect(result.cycles).toHaveLength(20);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('says when more cycles exist than it names', () => {
    const dense = Array.from(
      { length: 6 },
      (_, i) => `n${i}: ${Array.from({ length: 6 }, (_, j) => (j !== i ? `n${j}` : '')).join(' ')}`,
    );
    const list = messages(steps(...dense));
    expect(list).toHaveLength(21);
    expect(list.at(-1)).toBe('More cycles exist than the 20 named above.');
  });
});

describe('buildGraph', () => {
  it('draws an edge from each dependency to its dependent, leaving out unknown and self edges', () => {
    const graph = buildGraph(steps('a: a', 'b: a zz'));
    expect(graph.nodes()).toEqual(['a', 'b']);
    expect(graph.edges().map((edge) => [graph.source(edge), graph.target(edge)])).toEqual([
      ['a', 'b'],
    ]);
  });
});
