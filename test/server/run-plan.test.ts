// The plan of a recorded run from the steps its start event lists (pure).

import { describe, expect, it } from 'vitest';
import { planRunSteps } from '../../src/server/run-plan.js';
import { describeSteps } from '../helpers/run-events.js';

describe('planRunSteps', () => {
  it.each([
    ['no steps', [], [], []],
    ['one step', ['a:'], [['a']], ['a']],
    ['a chain', ['a:', 'b: a', 'c: b'], [['a'], ['b'], ['c']], ['a', 'b', 'c']],
    [
      'a diamond (ties go to the earliest-defined step)',
      ['root:', 'left: root', 'right: root', 'join: right left'],
      [['root'], ['left', 'right'], ['join']],
      ['root', 'left', 'join'],
    ],
    [
      'independent branches of different lengths',
      ['x:', 'a:', 'b: a', 'c: b'],
      [['x', 'a'], ['b'], ['c']],
      ['a', 'b', 'c'],
    ],
  ])('plans %s', (_, lines, levels, criticalPath) => {
    expect(planRunSteps(describeSteps(lines))).toEqual({ levels, criticalPath });
  });

  it('puts every step on one level, with no critical path, if the recorded graph has a cycle', () => {
    expect(planRunSteps(describeSteps(['a: b', 'b: a']))).toEqual({
      levels: [['a', 'b']],
      criticalPath: [],
    });
  });
});
