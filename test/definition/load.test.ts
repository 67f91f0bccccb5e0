import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  checkWorkflow,
  type LoadOptions,
  loadWorkflow,
  resolveInputs,
} from '../../src/definition/load.js';
import { DefinitionError, formatProblem, UsageError } from '../../src/errors.js';
import { buildPlan } from '../../src/plan/plan.js';
import { createFakeRegistry, createWorkspace, yaml } from './fixtures.js';

let workspace: Awaited<ReturnType<typeof createWorkspace>>;
let options: LoadOptions;
beforeEach(async () => {
  workspace = await createWorkspace();
  options = { workspace: workspace.root, registry: createFakeRegistry() };
});
afterEach(() => workspace.cleanup());

const FILE = '.mia/workflows/demo.yaml';

async function problemsOf(...lines: string[]): Promise<string[]> {
  await workspace.writeWorkflow('demo', yaml(...lines));
  const result = await checkWorkflow('demo', options);
  return result.problems.map(formatProblem);
}

describe('loadWorkflow', () => {
  it('resolves the hello-world template: universes, retries, inputs and order', async () => {
    const { workflow } = await loadWorkflow('hello-world', options);
    expect(workflow.name).toBe('hello-world');
    expect(workflow.source.kind).toBe('template');
    expect(workflow.inputs.greeting).toEqual({ description: 'What to say', default: 'Hello' });
    expect(workflow.steps.map((step) => [step.id, step.universe, step.dependsOn])).toEqual([
      ['greet', 'engineer', []],
      ['count', 'engineer', []],
      ['wrap-up', 'engineer', ['greet', 'count']],
    ]);
    expect(workflow.steps[0]?.retry).toEqual({ attempts: 1, delayMs: 1000, backoff: 'fixed' });
    expect(workflow.steps[0]?.position).toMatchObject({ line: 11, col: 5 });
  });

  it('hands on the plan it made while checking, equal to planning the resolved workflow anew', async () => {
    const { workflow, plan } = await loadWorkflow('hello-world', options);
    expect(plan).toEqual(buildPlan(workflow));
    expect(plan.levels).toEqual([['greet', 'count'], ['wrap-up']]);
  });

  it('tells what a workflow read from files was made from, and that it was not reused', async () => {
    const loaded = await loadWorkflow('hello-world', options);
    expect(loaded.isReused).toBe(false);
    expect(loaded.provenance?.layers.map((layer) => [layer.kind, layer.name])).toEqual([
      ['template', 'hello-world'],
    ]);
    expect(loaded.provenance?.layers[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('converts durations to milliseconds and env values to strings', async () => {
    await workspace.writeWorkflow(
      'demo',
      yaml(
        'name: demo',
        'narrative: n',
        'steps:',
        '  - id: a',
        '    action: wait',
        '    universe: story',
        '    with: { for: 1s }',
        '    timeout: 1.5m',
        '    retry: { attempts: 3, delay: 2s, backoff: exponential }',
        '    env: { N: 1, B: true, S: x }',
        '    continue_on_error: true',
      ),
    );
    const [step] = (await loadWorkflow('demo', options)).workflow.steps;
    expect(step).toMatchObject({
      universe: 'story',
      timeoutMs: 90_000,
      retry: { attempts: 3, delayMs: 2000, backoff: 'exponential' },
      env: { N: '1', B: 'true', S: 'x' },
      continueOnError: true,
    });
  });

  it('hashes what a step does, not how it is told', async () => {
    const hashOf = async (extra: string) => {
      await workspace.writeWorkflow(
        'demo',
        yaml('name: demo', 'narrative: n', 'steps:', `  - { id: a, action: shell, ${extra} }`),
      );
      return (await loadWorkflow('demo', options)).workflow.steps[0]?.hash;
    };
    const base = await hashOf('with: { run: echo }, timeout: 60s');
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(await hashOf('with: { run: echo }, timeout: 1m, beat: "told differently"')).toBe(base);
    expect(await hashOf('with: { run: echo }, timeout: 60s, universe: engineer')).toBe(base);
    expect(await hashOf('with: { run: echo 2 }, timeout: 60s')).not.toBe(base);
    expect(await hashOf('with: { run: echo }, timeout: 60s, retry: { attempts: 2 }')).not.toBe(
      base,
    );
  });

  it('throws one DefinitionError carrying every problem, formatted file:line:col', async () => {
    await workspace.writeWorkflow(
      'demo',
      yaml(
        'name: demo',
        'narrative: n',
        'steps:',
        '  - id: build',
        '    action: shel',
        '    dependson: [x]',
      ),
    );
    const error = await loadWorkflow('demo', options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DefinitionError);
    expect(error).toMatchObject({ code: 'MIA_DEFINITION_INVALID' });
    expect((error as DefinitionError).message).toBe(
      [
        '2 problems in the workflow definition:',
        `${FILE}:5:13: Unknown action "shel" in step "build". Did you mean "shell"? Known: shell, wait, approve`,
        `${FILE}:6:5: Unknown field "dependson" in step "build". Did you mean "depends_on"?`,
      ].join('\n'),
    );
  });

  it('reports schema, action, universe, with, expression and graph problems together', async () => {
    expect(
      await problemsOf(
        'name: demo',
        'narrative: n',
        'inputs:',
        '  branch: { default: main }',
        'steps:',
        '  - id: build',
        '    action: shell',
        '    with: { run: 3, rn: x }',
        '  - id: gate',
        '    action: approve',
        '    universe: engineer',
        '  - id: deploy',
        '    action: shell',
        '    depends_on: [gate, buld]',
        '    with:',
        '      run: echo ${{ inputs.brnch }} ${{ steps.build.outputs.sha }}',
        '    beat: "${{ 1 + }}"',
      ),
    ).toEqual([
      `${FILE}:8:18: "with.run" in step "build" (action shell) must be a string, not the number 3.`,
      `${FILE}:8:21: Unknown field "with.rn" in step "build" (action shell). Did you mean "run"?`,
      `${FILE}:11:15: Action "approve" does not serve the engineer universe (step "gate"); it serves: ceremony. Pick one of those, or leave "universe" out for ceremony.`,
      `${FILE}:14:24: Step "deploy" depends on unknown step "buld". Did you mean "build"?`,
      `${FILE}:16:12: In "with.run" of step "deploy": inputs.brnch is not a declared input. Did you mean "branch"? Declared inputs: branch.`,
      `${FILE}:16:12: In "with.run" of step "deploy": steps.build is read, but step "deploy" does not depend on "build" (directly or through other steps), so "build" may not have run yet. Add "build" to its depends_on.`,
      expect.stringMatching(new RegExp(`^${FILE}:17:11: In "beat" of step "deploy": `)),
    ]);
  });

  it('accepts a timeout longer than one timer holds (720h): the engine chains timers', async () => {
    expect(
      await problemsOf(
        'name: demo',
        'narrative: n',
        'steps:',
        '  - { id: a, action: shell, with: { run: x }, timeout: 720h }',
      ),
    ).toEqual([]);
  });

  it('accepts reading a step that is upstream through other steps', async () => {
    expect(
      await problemsOf(
        'name: demo',
        'narrative: n',
        'steps:',
        '  - { id: a, action: shell, with: { run: x } }',
        '  - { id: b, action: shell, with: { run: x }, depends_on: [a] }',
        '  - { id: c, action: shell, with: { run: "${{ steps.a.outputs.v }}" }, depends_on: [b] }',
      ),
    ).toEqual([]);
  });

  it('leaves with values holding expressions to be checked at run time', async () => {
    expect(
      await problemsOf(
        'name: demo',
        'narrative: n',
        'inputs:',
        '  pause: { default: 1s }',
        'steps:',
        '  - { id: a, action: wait, with: { for: "${{ inputs.pause }}" } }',
      ),
    ).toEqual([]);
  });

  it('names a cycle in full at the first depends_on entry of its first step', async () => {
    expect(
      await problemsOf(
        'name: demo',
        'narrative: n',
        'steps:',
        '  - { id: a, action: shell, with: { run: x }, depends_on: [b] }',
        '  - { id: b, action: shell, with: { run: x }, depends_on: [c] }',
        '  - { id: c, action: shell, with: { run: x }, depends_on: [a] }',
      ),
    ).toEqual([
      `${FILE}:4:60: Cycle in depends_on: a -> b -> c -> a (each step waits for the next, so none of them can start).`,
    ]);
  });

  it.each([
    [
      'a duplicate step id',
      [
        '  - { id: a, action: shell, with: { run: x } }',
        '  - { id: a, action: shell, with: { run: y } }',
      ],
      [`${FILE}:5:11: Duplicate step id "a" (first used at line 4); step ids must be unique.`],
    ],
    [
      'a self-dependency',
      ['  - { id: a, action: shell, with: { run: x }, depends_on: [a] }'],
      [`${FILE}:4:60: Step "a" depends on itself: remove "a" from its depends_on.`],
    ],
    [
      'a missing with field',
      ['  - { id: a, action: shell }'],
      [`${FILE}:4:5: Missing field "with.run" in step "a" (action shell).`],
    ],
    [
      'a condition written as plain text',
      ['  - { id: a, action: shell, with: { run: x }, when: "inputs.x == 1" }'],
      [
        `${FILE}:4:53: "when" of step "a" is plain text, so it is always true; write it as an expression: when: "\${{ inputs.x == 1 }}".`,
      ],
    ],
    [
      'a zero timeout',
      ['  - { id: a, action: shell, with: { run: x }, timeout: 0 }'],
      [
        `${FILE}:4:56: "timeout" of step "a" is 0: a step needs some time; leave it out for no limit.`,
      ],
    ],
    [
      'a timeout in a unit it does not know',
      ['  - { id: a, action: shell, with: { run: x }, timeout: 30d }'],
      [expect.stringContaining('"timeout" in step "a" must be a duration')],
    ],
    [
      'a wait in a unit it does not know, told as a duration rather than as oneOf',
      ['  - { id: a, action: wait, with: { for: 30d } }'],
      [
        `${FILE}:4:41: "with.for" in step "a" (action wait) must be a duration such as 500ms, 30s, 10m or 1h, or a number of milliseconds (got "30d").`,
      ],
    ],
    [
      'a timeout too long to count in milliseconds',
      [`  - { id: a, action: shell, with: { run: x }, timeout: ${'9'.repeat(20)}h }`],
      [
        `${FILE}:4:56: "timeout" of step "a" is too long to count in milliseconds: at most 9007199254740991ms.`,
      ],
    ],
    [
      'an unclosed expression',
      ['  - { id: a, action: shell, with: { run: "echo ${{ inputs.x" } }'],
      [`${FILE}:4:42: In "with.run" of step "a": "\${{" has no closing "}}".`],
    ],
    [
      'a __proto__ key in with',
      ['  - id: a', '    action: shell', '    with: { run: x, __proto__: { polluted: yes } }'],
      [
        `${FILE}:6:21: Unknown field "with.__proto__" in step "a" (action shell). Allowed: run, cwd.`,
      ],
    ],
  ])('reports %s', async (_case, stepLines, expected) => {
    expect(await problemsOf('name: demo', 'narrative: n', 'steps:', ...stepLines)).toEqual(
      expected,
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('requires the name to equal the file name, for an explicit file too', async () => {
    await workspace.write(
      'flows/other.yaml',
      yaml('name: demo', 'narrative: n', 'steps: [{ id: a, action: shell, with: { run: x } }]'),
    );
    const result = await checkWorkflow('flows/other.yaml', options);
    expect(result.problems.map(formatProblem)).toEqual([
      'flows/other.yaml:1:7: The workflow is named "demo" but its file is other.yaml: the name must equal the file name. Rename one of them.',
    ]);
  });

  it('checks nothing else when the YAML cannot be read', async () => {
    const problems = await problemsOf(
      'name: demo',
      'narrative: n',
      'steps: [{ id: a, action: shel',
    );
    expect(problems.length).toBeGreaterThan(0);
    for (const problem of problems) expect(problem).toMatch(new RegExp(`^${FILE}:4:1: YAML: `));
  });

  it('loads a workflow given as a file path relative to the workspace', async () => {
    await workspace.write(
      'flows/demo.yml',
      yaml('name: demo', 'narrative: n', 'steps: [{ id: a, action: shell, with: { run: x } }]'),
    );
    const { workflow } = await loadWorkflow('flows/demo.yml', options);
    expect(workflow.source).toEqual({ kind: 'file', path: `${workspace.root}/flows/demo.yml` });
  });
});

describe('resolveInputs', () => {
  const workflow = {
    name: 'demo',
    inputs: {
      branch: { required: true },
      greeting: { default: 'Hello' },
      note: {},
    },
  };

  it.each([
    [{ branch: 'main' }, { branch: 'main', greeting: 'Hello', note: '' }],
    [
      { branch: 'dev', greeting: 'Hi', note: 'n' },
      { branch: 'dev', greeting: 'Hi', note: 'n' },
    ],
  ])('applies defaults to %j', (given, expected) => {
    expect(resolveInputs(workflow, given)).toEqual(expected);
  });

  it('refuses an unknown input with a suggestion and the declared ones', () => {
    expect(() => resolveInputs(workflow, { branch: 'x', greting: 'Hi' })).toThrow(
      'Unknown input "greting" for workflow "demo". Did you mean "greeting"? Declared inputs: branch, greeting, note.',
    );
  });

  it('refuses a missing required input and says how to give it', () => {
    const error = (() => {
      try {
        resolveInputs(workflow, {});
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect(error).toMatchObject({
      code: 'MIA_CLI_USAGE',
      message: 'Workflow "demo" needs --input branch=value.',
    });
  });
});
