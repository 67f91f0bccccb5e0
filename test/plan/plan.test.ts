import { describe, expect, it } from 'vitest';
import type { ResolvedStep, ResolvedWorkflow } from '../../src/definition/types.js';
import { DefinitionError } from '../../src/errors.js';
import { formatPlanMermaid, formatPlanText, toPlanJson } from '../../src/plan/format.js';
import { buildPlan, checkPlan, getDownstream } from '../../src/plan/plan.js';
import { makeResolvedStep, makeResolvedWorkflow } from '../helpers/resolved-workflow.js';

/** A resolved workflow from a compact table: `a: b c` means step a depends on b and c. */
function workflowOf(lines: string[], extra: Partial<ResolvedStep>[] = []): ResolvedWorkflow {
  return makeResolvedWorkflow(
    lines.map((line, index) => {
      const [id = '', deps = ''] = line.split(':');
      return makeResolvedStep(id.trim(), deps.split(' ').filter(Boolean), {
        action: 'shell',
        hash: 'h',
        ...extra[index],
      });
    }),
  );
}

describe('buildPlan', () => {
  it.each([
    [
      ['a:', 'b: a', 'c: a', 'd: b c'],
      [['a'], ['b', 'c'], ['d']],
      ['a', 'b', 'd'],
    ],
    [['x:', 'y:', 'z:'], [['x', 'y', 'z']], ['x']],
    [
      ['d: c', 'c: b', 'b: a', 'a:'],
      [['a'], ['b'], ['c'], ['d']],
      ['a', 'b', 'c', 'd'],
    ],
    [
      ['a:', 'b:', 'c: a', 'd: b', 'e: d'],
      [['a', 'b'], ['c', 'd'], ['e']],
      ['b', 'd', 'e'],
    ],
    [
      ['p:', 'q:', 'r: q p'],
      [['p', 'q'], ['r']],
      ['p', 'r'],
    ],
  ])('plans %j as levels %j with critical path %j', (lines, levels, criticalPath) => {
    const plan = buildPlan(workflowOf(lines));
    expect(plan.levels).toEqual(levels);
    expect(plan.order).toEqual(levels.flat());
    expect(plan.criticalPath).toEqual(criticalPath);
  });

  it('lists the direct dependents of each step in definition order', () => {
    const plan = buildPlan(workflowOf(['a:', 'b: a', 'c: a', 'd: b c']));
    expect([...plan.dependents]).toEqual([
      ['a', ['b', 'c']],
      ['b', ['d']],
      ['c', ['d']],
      ['d', []],
    ]);
  });

  it('refuses a graph with a cycle, naming it', () => {
    expect(() => buildPlan(workflowOf(['a: b', 'b: a']))).toThrow(DefinitionError);
    expect(() => buildPlan(workflowOf(['a: b', 'b: a']))).toThrow(/a -> b -> a/);
  });

  it('plans an empty workflow', () => {
    expect(buildPlan(workflowOf([]))).toEqual({
      levels: [],
      order: [],
      criticalPath: [],
      dependents: new Map(),
    });
  });
});

describe('checkPlan', () => {
  it('plans a DAG and reports no problem', () => {
    const result = checkPlan([
      { id: 'a', dependsOn: [] },
      { id: 'b', dependsOn: ['a'] },
    ]);
    expect(result.problems).toEqual([]);
    expect(result.plan?.levels).toEqual([['a'], ['b']]);
  });

  it('gives no plan for a cycle, and names the cycle at the depends_on entry that starts it', () => {
    const position = (id: string, index: number) => ({
      file: 'w.yaml',
      line: id === 'a' ? 1 : 2,
      col: index + 1,
    });
    const result = checkPlan(
      [
        { id: 'a', dependsOn: ['b'] },
        { id: 'b', dependsOn: ['a'] },
      ],
      position,
    );
    expect(result.plan).toBeUndefined();
    expect(result.problems).toEqual([
      {
        message:
          'Cycle in depends_on: a -> b -> a (each step waits for the next, so none of them can start).',
        position: { file: 'w.yaml', line: 1, col: 1 },
      },
    ]);
  });
});

describe('getDownstream', () => {
  const { dependents } = buildPlan(workflowOf(['a:', 'b: a', 'c: b', 'd:', 'e: d c']));

  it.each([
    [['a'], ['a', 'b', 'c', 'e']],
    [['d'], ['d', 'e']],
    [['e'], ['e']],
    [
      ['b', 'd'],
      ['b', 'c', 'd', 'e'],
    ],
    [[], []],
  ])('from %j reaches %j', (from, expected) => {
    expect([...getDownstream(from, dependents)].sort()).toEqual(expected);
  });
});

describe('formatting a plan', () => {
  const workflow = workflowOf(
    ['greet:', 'count:', 'wrap-up: greet count'],
    [
      { beat: 'The greeting is spoken' },
      { timeoutMs: 10_000, retry: { attempts: 3, delayMs: 2000, backoff: 'exponential' } },
      { universe: 'story', when: '${{ inputs.go }}', continueOnError: true },
    ],
  );
  workflow.inputs = { greeting: { default: 'Hello' }, who: { required: true } };
  const plan = buildPlan(workflow);

  it('tells the plan as text: narrative, levels, steps in short and the critical path', () => {
    expect(formatPlanText(plan, workflow)).toBe(
      [
        'demo: The demo reaches its end',
        '(workspace: /w/.mia/workflows/demo.yaml)',
        'Inputs: greeting (default "Hello"), who (required)',
        '',
        'Level 1',
        '  greet    shell (engineer)',
        '           beat: The greeting is spoken',
        '  count    shell (engineer) · timeout 10s · retry 3x every 2.0s (exponential)',
        '',
        'Level 2',
        '  wrap-up  shell (story) · after greet, count · when ${{ inputs.go }} · continues on error',
        '',
        'Critical path: greet -> wrap-up (2 steps)',
      ].join('\n'),
    );
  });

  it('draws a Mermaid graph with numbered nodes and the critical path in bold', () => {
    expect(formatPlanMermaid(plan, workflow)).toBe(
      [
        'graph TD',
        '  s0["greet<br/>shell (engineer)"]',
        '  s1["count<br/>shell (engineer)"]',
        '  s2["wrap-up<br/>shell (story)"]',
        '  s0 ==> s2',
        '  s1 --> s2',
      ].join('\n'),
    );
  });

  it('escapes Mermaid labels', () => {
    const odd = workflowOf(['a:'], [{ action: 'say "hi" <b>' }]);
    expect(formatPlanMermaid(buildPlan(odd), odd)).toContain(
      's0["a<br/>say #34;hi#34; #60;b#62; (engineer)"]',
    );
  });

  it('gives a plain JSON object with levels, critical path and each step', () => {
    const json = toPlanJson(plan, workflow);
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
    expect(json).toMatchObject({
      name: 'demo',
      levels: [['greet', 'count'], ['wrap-up']],
      criticalPath: ['greet', 'wrap-up'],
    });
    expect(json.steps[0]).toMatchObject({ id: 'greet', dependents: ['wrap-up'], level: 0 });
    expect(json.steps[2]).toMatchObject({ id: 'wrap-up', dependsOn: ['greet', 'count'], level: 1 });
  });
});
