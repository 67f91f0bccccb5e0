import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listStaticLegs } from '../../src/definition/legs.js';
import { checkWorkflow, type LoadOptions, loadWorkflow } from '../../src/definition/load.js';
import { formatProblem } from '../../src/errors.js';
import { createFakeRegistry, createWorkspace, yaml } from './fixtures.js';

let workspace: Awaited<ReturnType<typeof createWorkspace>>;
let options: LoadOptions;
beforeEach(async () => {
  workspace = await createWorkspace();
  options = { workspace: workspace.root, registry: createFakeRegistry() };
});
afterEach(() => workspace.cleanup());

async function problemsOf(...steps: string[]): Promise<string[]> {
  await workspace.writeWorkflow('demo', yaml('name: demo', 'narrative: n', 'steps:', ...steps));
  return (await checkWorkflow('demo', options)).problems.map(formatProblem);
}

describe('the checks of a matrix step', () => {
  it.each<[string, string[], RegExp]>([
    [
      'a key the matrix does not have, with a suggestion',
      [
        '  - id: t',
        '    action: shell',
        '    strategy: { matrix: { node: [20] } }',
        '    with: { run: "echo ${{ matrix.nod }}" }',
      ],
      /demo\.yaml:7:\d+: .*matrix\.nod is not a key of the matrix of step "t"\. Did you mean "node"\?/,
    ],
    [
      'matrix read by a step without one',
      ['  - id: t', '    action: shell', '    with: { run: "echo ${{ matrix.node }}" }'],
      /matrix\.node is read, but step "t" has no matrix/,
    ],
    [
      'a matrix from a step it does not depend on',
      [
        '  - id: list',
        '    action: shell',
        '    with: { run: echo }',
        '  - id: t',
        '    action: shell',
        '    strategy: { matrix: "${{ fromJSON(steps.list.outputs.all) }}" }',
        '    with: { run: echo }',
      ],
      /demo\.yaml:9:\d+: .*steps\.list is read, but step "t" does not depend on "list"/,
    ],
    [
      'a matrix that reads matrix',
      [
        '  - id: t',
        '    action: shell',
        '    strategy: { matrix: { a: ["${{ matrix.a }}"] } }',
        '    with: { run: echo }',
      ],
      /the matrix cannot read matrix\.a/,
    ],
    [
      'max_parallel below 1',
      [
        '  - id: t',
        '    action: shell',
        '    strategy: { matrix: { a: [1] }, max_parallel: 0 }',
        '    with: { run: echo }',
      ],
      /max_parallel/,
    ],
    [
      'a misspelt strategy field, with a suggestion',
      [
        '  - id: t',
        '    action: shell',
        '    strategy: { matrix: { a: [1] }, failfast: false }',
        '    with: { run: echo }',
      ],
      /Unknown field "strategy\.failfast" in step "t"\. Did you mean "fail_fast"\?/,
    ],
    [
      'a strategy without a matrix',
      [
        '  - id: t',
        '    action: shell',
        '    strategy: { fail_fast: false }',
        '    with: { run: echo }',
      ],
      /matrix/,
    ],
  ])('reports %s', async (_title, steps, message) => {
    const problems = await problemsOf(...steps);
    expect(problems.join('\n')).toMatch(message);
  });

  it("lets a dependent read one leg's outputs by the leg's id", async () => {
    const problems = await problemsOf(
      '  - id: t',
      '    action: shell',
      '    strategy: { matrix: { n: [1, 2] } }',
      '    with: { run: echo }',
      '  - id: u',
      '    action: shell',
      '    depends_on: [t]',
      `    with: { run: "echo \${{ steps['t(2)'].outputs.x }} \${{ join(steps.t.outputs.x, ',') }}" }`,
    );
    expect(problems).toEqual([]);
  });

  it('resolves a written-out matrix into its legs, each with its values and its own hash', async () => {
    await workspace.writeWorkflow(
      'demo',
      yaml(
        'name: demo',
        'narrative: n',
        'steps:',
        '  - id: t',
        '    action: shell',
        '    strategy: { matrix: { node: [20, 22], os: [linux] }, max_parallel: 1, fail_fast: false }',
        '    with: { run: "echo ${{ matrix.node }}" }',
      ),
    );
    const [step] = (await loadWorkflow('demo', options)).workflow.steps;
    expect(step?.strategy).toMatchObject({ maxParallel: 1, failFast: false, keys: ['node', 'os'] });
    const legs = listStaticLegs(step!)!;
    expect(legs.map((leg) => [leg.id, leg.group, leg.matrix])).toEqual([
      ['t(20, linux)', 't', { node: 20, os: 'linux' }],
      ['t(22, linux)', 't', { node: 22, os: 'linux' }],
    ]);
    expect(new Set([step?.hash, ...legs.map((leg) => leg.hash)]).size).toBe(3);
    expect(legs[0]?.strategy).toBeUndefined();
  });
});
