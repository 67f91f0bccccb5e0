import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WORKFLOW_SCHEMA_PATH } from '../../src/definition/package-paths.js';
import { parseWorkflowText } from '../../src/definition/parse.js';
import { validateWorkflowSchema } from '../../src/definition/validate.js';
import { formatProblem } from '../../src/errors.js';
import { yaml } from './fixtures.js';

const HEAD = ['name: demo', 'narrative: A demo'];

function check(...lines: string[]): string[] {
  return validateWorkflowSchema(parseWorkflowText(yaml(...lines), 'demo.yaml')).map(formatProblem);
}

describe('the workflow schema', () => {
  const schema = JSON.parse(readFileSync(WORKFLOW_SCHEMA_PATH, 'utf8'));

  it('has an $id and describes every property for editors', () => {
    expect(schema.$id).toMatch(/workflow\.schema\.json$/);
    const undescribed: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (node === null || typeof node !== 'object') return;
      const record = node as Record<string, unknown>;
      for (const [name, property] of Object.entries(
        (record.properties as Record<string, unknown>) ?? {},
      )) {
        if (!(property as { description?: string }).description)
          undescribed.push(`${path}.${name}`);
      }
      for (const [key, child] of Object.entries(record)) walk(child, `${path}/${key}`);
    };
    walk(schema, '#');
    expect(undescribed.filter((path) => !path.startsWith('#/then'))).toEqual([]);
  });

  it('accepts a complete workflow', () => {
    expect(
      check(
        ...HEAD,
        'description: d',
        'version: "2"',
        'concurrency: 2',
        'inputs:',
        '  branch: { description: b, default: main, required: false }',
        '  count: { default: 3 }',
        'steps:',
        '  - id: build_1',
        '    action: shell',
        '    universe: engineer',
        '    beat: b',
        '    tension: t',
        '    depends_on: []',
        '    when: true',
        '    with: { anything: [1, 2] }',
        '    env: { A: 1, B: x, C: false }',
        '    timeout: 10m',
        '    retry: { attempts: 3, delay: 500, backoff: exponential }',
        '    continue_on_error: true',
      ),
    ).toEqual([]);
  });

  it('names an unknown field at its key and suggests the known one', () => {
    expect(
      check(...HEAD, 'steps:', '  - id: build', '    action: shell', '    dependson: [x]'),
    ).toEqual([
      'demo.yaml:6:5: Unknown field "dependson" in step "build". Did you mean "depends_on"?',
    ]);
  });

  it('lists the allowed fields when no known field is close', () => {
    expect(
      check(...HEAD, 'steps:', '  - id: a', '    action: shell', '    retry: { zzz: 1 }'),
    ).toEqual([
      'demo.yaml:6:12: Missing field "retry.attempts" in step "a".',
      'demo.yaml:6:14: Unknown field "retry.zzz" in step "a". Allowed: attempts, delay, backoff.',
    ]);
  });

  it.each([
    [
      'a missing narrative and steps',
      ['name: demo'],
      [
        'demo.yaml:1:1: Missing field "narrative" at the top level.',
        'demo.yaml:1:1: Missing field "steps" at the top level.',
      ],
    ],
    [
      'a step without an action',
      [...HEAD, 'steps:', '  - id: a'],
      ['demo.yaml:4:5: Missing field "action" in step "a".'],
    ],
    [
      'a wrong type',
      [...HEAD, 'concurrency: two', 'steps: [{ id: a, action: shell }]'],
      ['demo.yaml:3:14: "concurrency" must be a whole number, not the string "two".'],
    ],
    [
      'a universe that does not exist',
      [...HEAD, 'steps: [{ id: a, action: shell, universe: enginer }]'],
      [
        'demo.yaml:3:43: "universe" in step "a" must be one of engineer, ceremony, story (got "enginer"). Did you mean "engineer"?',
      ],
    ],
    [
      'a workflow name that is not one',
      ['name: My Flow', 'narrative: n', 'steps: [{ id: a, action: shell }]'],
      [
        'demo.yaml:1:7: "name" must be lowercase letters, digits and dashes, starting with a letter or digit (like "feature-delivery") (got "My Flow").',
      ],
    ],
    [
      'a malformed duration, once',
      [...HEAD, 'steps: [{ id: a, action: shell, timeout: 10 minutes }]'],
      [
        'demo.yaml:3:42: "timeout" in step "a" must be a duration such as 500ms, 30s, 10m or 1h, or a number of milliseconds (got "10 minutes").',
      ],
    ],
    [
      'retry attempts out of range',
      [...HEAD, 'steps: [{ id: a, action: shell, retry: { attempts: 0 } }]'],
      ['demo.yaml:3:52: "retry.attempts" in step "a" must be >= 1 (got 0).'],
    ],
    [
      'a repeated dependency',
      [...HEAD, 'steps: [{ id: a, action: shell, depends_on: [b, b] }, { id: b, action: shell }]'],
      ['demo.yaml:3:49: "depends_on" in step "a" lists "b" twice.'],
    ],
    [
      'remove without extends',
      [...HEAD, 'remove: [a]', 'steps: [{ id: a, action: shell }]'],
      [
        'demo.yaml:3:1: "remove" needs "extends": it only applies to a workflow that extends a template.',
      ],
    ],
    [
      'a bad env name',
      [...HEAD, 'steps: [{ id: a, action: shell, env: { 1X: a } }]'],
      [
        'demo.yaml:3:40: Key "1X" of "env" in step "a" must be an environment variable name: letters, digits and underscores, not starting with a digit.',
      ],
    ],
  ])('reports %s readably', (_case, lines, expected) => {
    expect(check(...lines)).toEqual(expected);
  });

  it('lets a workflow that extends a template omit narrative, steps and actions', () => {
    expect(check('name: demo', 'extends: hello-world', 'steps:', '  - id: greet')).toEqual([]);
  });

  it('reports every problem of a file at once', () => {
    expect(
      check(
        'name: demo',
        'narativ: x',
        'steps:',
        '  - id: Build',
        '    action: shell',
        '    when: 3',
      ),
    ).toHaveLength(4);
  });
});
