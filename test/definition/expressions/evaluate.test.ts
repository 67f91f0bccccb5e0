import { describe, expect, it } from 'vitest';
import {
  checkExpression,
  collectReferences,
  type ExpressionContext,
  evaluateExpression,
  findExpressions,
  findUnclosedExpression,
  interpolate,
  interpolateDeep,
  isConditionTrue,
} from '../../../src/definition/expressions/evaluate.js';
import { MiaError } from '../../../src/errors.js';

const context: ExpressionContext = {
  inputs: { branch: 'main', deploy: 'false', count: '3', constructor: 'own input' },
  steps: {
    build: {
      outputs: { sha: 'abc123', size: 42, tags: ['v1', 'latest'], meta: { arch: 'arm64' } },
      status: 'completed',
    },
    lint: { outputs: {}, status: 'failed' },
  },
  env: { CI: 'true' },
  run: { id: 'run-7' },
  workflow: { name: 'feature-delivery' },
};

function evaluationError(source: string): MiaError {
  try {
    evaluateExpression(source, context);
  } catch (error) {
    return error as MiaError;
  }
  throw new Error(`${source} evaluated without an error`);
}

describe('evaluateExpression', () => {
  it.each([
    ["inputs.branch == 'main'", true],
    ["inputs.branch != 'main'", false],
    ["inputs.branch == 'MAIN'", true],
    ['inputs.count > 2', true],
    ['steps.build.outputs.size >= 42 && steps.build.outputs.size < 43', true],
    ["inputs.deploy == 'yes' || inputs.branch", 'main'],
    ["inputs.missing || 'fallback'", 'fallback'],
    ["!inputs.missing && !(inputs.branch == 'dev')", true],
    ["contains(steps.build.outputs.tags, 'latest')", true],
    ["contains(inputs.branch, 'AI')", true],
    ["startsWith(workflow.name, 'feature-')", true],
    ["endsWith(run.id, '-7')", true],
    [
      "format('{0}@{1} ({{braces}})', inputs.branch, steps.build.outputs.sha)",
      'main@abc123 ({braces})',
    ],
    ["join(steps.build.outputs.tags, ' + ')", 'v1 + latest'],
    ['toJSON(steps.build.outputs.meta)', '{\n  "arch": "arm64"\n}'],
    ['fromJSON(\'{"a": [1, true, null]}\').a', [1, true, null]],
    ["case(inputs.branch == 'main', 'prod', 'staging')", 'prod'],
    ["steps.build.status == 'completed' && steps.lint.status", 'failed'],
    ["steps['build'].outputs['sha']", 'abc123'],
    ['steps.build.outputs.tags[1]', 'latest'],
    ['steps.*.status', ['completed', 'failed']],
    ['steps.build.outputs.meta', { arch: 'arm64' }],
    ['Inputs.BRANCH', 'main'],
    ["'it''s a ''quoted'' word'", "it's a 'quoted' word"],
    ['inputs.missing', null],
    ['steps.unknown.outputs.sha', null],
    ['env.CI', 'true'],
    ['run.id', 'run-7'],
  ])('evaluates %s', (source, expected) => {
    expect(evaluateExpression(source, context)).toEqual(expected);
  });

  it('reads keys named like Object.prototype members as ordinary keys, never the prototype', () => {
    expect(evaluateExpression('inputs.constructor', context)).toBe('own input');
    for (const key of ['__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      expect(evaluateExpression(`env.${key}`, context)).toBeNull();
      expect(evaluateExpression(`env['${key}']`, context)).toBeNull();
    }
    expect(evaluateExpression('toJSON(env)', context)).toBe('{\n  "CI": "true"\n}');
  });

  it('keeps a __proto__ key from fromJSON as data without changing any prototype', () => {
    const value = evaluateExpression('fromJSON(\'{"__proto__": {"polluted": 1}}\')', context);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value as object)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('throws MIA_EXPRESSION_EVAL naming the expression when a function fails', () => {
    const error = evaluationError("format('{0', inputs.branch)");
    expect(error).toBeInstanceOf(MiaError);
    expect(error.code).toBe('MIA_EXPRESSION_EVAL');
    expect(error.message).toContain("${{ format('{0', inputs.branch) }}");
    expect(error.message).toContain('format string is invalid');
  });

  it('throws MIA_EXPRESSION_EVAL with the syntax problem when the expression does not parse', () => {
    const error = evaluationError('input.branch');
    expect(error.code).toBe('MIA_EXPRESSION_EVAL');
    expect(error.message).toContain('Unknown context "input"');
  });
});

describe('checkExpression', () => {
  it.each([
    ["inputs.branch == 'main' && steps.build.status == 'completed'"],
    ["contains(toJSON(steps.build.outputs), format('{0}', run.id))"],
    ['workflow.name'],
  ])('accepts %s', (source) => {
    expect(checkExpression(source)).toBeUndefined();
  });

  it.each([
    [
      'inputs.branch ==',
      'Invalid expression ${{ inputs.branch == }}: Unexpected end of expression',
    ],
    ['inputs.a = 1', "Unexpected symbol: '='"],
    ["inputs.a == 'x", "a string literal has no closing '"],
    ['', 'Empty expression'],
    [
      'input.branch',
      'Unknown context "input" in expression ${{ input.branch }}. Did you mean "inputs"?',
    ],
    ['secrets.token', 'Unknown context "secrets"'],
    [
      'contain(inputs.a, 1)',
      'Unknown function "contain" in expression ${{ contain(inputs.a, 1) }}. Did you mean "contains"?',
    ],
    ['constructor(1)', 'Unknown function "constructor"'],
    [
      'steps.build.output.sha',
      'Unknown property "output" of steps.build in expression ${{ steps.build.output.sha }}. Did you mean "steps.build.outputs"?',
    ],
    ['run.ids', 'Did you mean "run.id"?'],
  ])('rejects %j with a message that says what is wrong', (source, message) => {
    expect(checkExpression(source)).toContain(message);
  });

  it('lists the context names an expression can read when the name is unknown', () => {
    expect(checkExpression('secrets.os')).toMatch(
      /Expressions can read: inputs, steps, env, run, workflow, matrix/,
    );
  });
});

describe('collectReferences', () => {
  it.each([
    ["inputs.branch == 'main'", [['inputs', 'branch']]],
    [
      "steps.build.outputs.sha && steps['build'].status",
      [
        ['steps', 'build', 'outputs', 'sha'],
        ['steps', 'build', 'status'],
      ],
    ],
    [
      'steps.build.outputs[inputs.key]',
      [
        ['steps', 'build', 'outputs'],
        ['inputs', 'key'],
      ],
    ],
    ['steps.build.outputs.tags[0]', [['steps', 'build', 'outputs', 'tags']]],
    [
      "format('{0}', Inputs.Name, inputs.name)",
      [
        ['inputs', 'Name'],
        ['inputs', 'name'],
      ],
    ],
    ['steps.*.status', [['steps']]],
    ['inputs.a || inputs.a', [['inputs', 'a']]],
    ["'no references'", []],
    ['inputs.a ==', []],
  ])('finds the paths read by %s', (source, expected) => {
    expect(collectReferences(source)).toEqual(expected);
  });
});

describe('findExpressions', () => {
  it('finds every span with its offsets and trimmed source, even with }} inside a string', () => {
    const text = "a ${{ inputs.x }} b ${{format('}}', 1)}}";
    expect(findExpressions(text)).toEqual([
      { start: 2, end: 17, source: 'inputs.x' },
      { start: 20, end: 40, source: "format('}}', 1)" },
    ]);
    expect(findUnclosedExpression(text)).toBeUndefined();
  });

  it('reports where an unclosed ${{ starts and keeps the spans before it', () => {
    const text = '${{ run.id }} then ${{ inputs.x';
    expect(findExpressions(text)).toHaveLength(1);
    expect(findUnclosedExpression(text)).toBe(19);
  });
});

describe('interpolate', () => {
  it.each([
    ['${{ steps.build.outputs.size }}', 42],
    ['  ${{ steps.build.outputs.tags }}\n', ['v1', 'latest']],
    ['${{ inputs.missing }}', null],
    ["${{ inputs.branch == 'main' }}", true],
    ['deploy ${{ inputs.branch }} at ${{ steps.build.outputs.sha }}', 'deploy main at abc123'],
    ['size=${{ steps.build.outputs.size }} ok=${{ true }}', 'size=42 ok=true'],
    ['[${{ inputs.missing }}]', '[]'],
    ['meta: ${{ steps.build.outputs.meta }}', 'meta: {"arch":"arm64"}'],
    ['${{ inputs.branch }}${{ run.id }}', 'mainrun-7'],
    ['no expression here, not even $HOME', 'no expression here, not even $HOME'],
  ])('interpolates %j', (text, expected) => {
    expect(interpolate(text, context)).toEqual(expected);
  });

  it('rejects a text with an unclosed ${{ rather than leaving it as text', () => {
    expect(() => interpolate('hello ${{ inputs.branch', context)).toThrow(
      expect.objectContaining({
        code: 'MIA_EXPRESSION_EVAL',
        message: expect.stringContaining('no closing "}}"'),
      }),
    );
  });

  it('interpolates every string inside objects and arrays, keeping other values and keys', () => {
    const value = {
      ref: '${{ inputs.branch }}',
      size: '${{ steps.build.outputs.size }}',
      list: ['${{ run.id }}', 5, null, { deep: 'sha ${{ steps.build.outputs.sha }}' }],
      flag: true,
    };
    expect(interpolateDeep(value, context)).toEqual({
      ref: 'main',
      size: 42,
      list: ['run-7', 5, null, { deep: 'sha abc123' }],
      flag: true,
    });
  });
});

describe('isConditionTrue', () => {
  it.each([
    [true, true],
    [false, false],
    ["${{ inputs.branch == 'main' }}", true],
    ["${{ inputs.branch == 'dev' }}", false],
    ['${{ inputs.deploy }}', false],
    ['${{ inputs.missing }}', false],
    ['${{ inputs.count }}', true],
    ['${{ steps.build.outputs.size }}', true],
    ['${{ 0 }}', false],
    ["${{ '0' }}", false],
    ["${{ ' FALSE ' }}", false],
    ["${{ '' }}", false],
    ['${{ steps.build.outputs.tags }}', true],
    ["${{ steps.lint.status == 'failed' }}", true],
    ['yes', true],
    ['false', false],
    ['', false],
  ])('judges %j as %s', (when, expected) => {
    expect(isConditionTrue(when, context)).toBe(expected);
  });
});
