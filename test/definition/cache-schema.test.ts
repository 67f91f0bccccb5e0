// `cache:` in the workflow schema: what it accepts, and how it says what it refuses.

import { describe, expect, it } from 'vitest';
import { parseWorkflowText } from '../../src/definition/parse.js';
import { validateWorkflowSchema } from '../../src/definition/validate.js';
import { formatProblem } from '../../src/errors.js';
import { yaml } from './fixtures.js';

function checkCache(cache: string): string[] {
  const text = yaml(
    'name: demo',
    'narrative: A demo',
    'steps:',
    '  - id: build',
    '    action: shell',
    '    with: { run: make }',
    `    ${cache}`,
  );
  return validateWorkflowSchema(parseWorkflowText(text, 'demo.yaml')).map(formatProblem);
}

describe('cache in the workflow schema', () => {
  it.each([
    'cache: { inputs: ["src/**", "package-lock.json"], outputs: ["dist"], key: "${{ env.NODE }}" }',
    'cache: {}',
    'cache: { inputs: ["a..b/c", ".config/x"] }',
  ])('accepts %s', (cache) => {
    expect(checkCache(cache)).toEqual([]);
  });

  it.each<[string, string]>([
    ['cach: { inputs: ["src/**"] }', 'Unknown field "cach" in step "build". Did you mean "cache"?'],
    [
      'cache: { input: ["src/**"] }',
      'Unknown field "cache.input" in step "build". Did you mean "inputs"?',
    ],
    ['cache: { inputs: "src/**" }', '"cache.inputs" in step "build" must be a list'],
    ['cache: { inputs: ["../src/**"] }', 'must stay inside the workspace'],
    ['cache: { outputs: ["/etc/passwd"] }', 'must stay inside the workspace'],
    ['cache: { outputs: ["dist/../../x"] }', 'must stay inside the workspace'],
    ['cache: { key: 3 }', '"cache.key" in step "build" must be a string'],
    ['cache: true', '"cache" in step "build" must be a map'],
  ])('refuses %s, saying what to fix', (cache, message) => {
    const problems = checkCache(cache);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^demo\.yaml:7:\d+: /);
    expect(problems[0]).toContain(message);
  });
});
