import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBuiltinRegistry } from '../../src/actions/builtin.js';
import { checkWorkflow, type LoadOptions, loadWorkflow } from '../../src/definition/load.js';
import { formatProblem } from '../../src/errors.js';
import { createWorkspace, yaml } from './fixtures.js';

let workspace: Awaited<ReturnType<typeof createWorkspace>>;
let options: LoadOptions;
beforeEach(async () => {
  workspace = await createWorkspace();
  options = { workspace: workspace.root, registry: createBuiltinRegistry() };
});
afterEach(() => workspace.cleanup());

const FILE = '.mia/workflows/demo.yaml';

/** Problems and warnings of a workflow file `demo` made of these lines. */
async function check(...lines: string[]) {
  await workspace.writeWorkflow('demo', yaml('name: demo', 'narrative: n', ...lines));
  const result = await checkWorkflow('demo', options);
  return {
    workflow: result.loaded?.workflow,
    problems: result.problems.map(formatProblem),
    warnings: result.warnings.map(formatProblem),
  };
}

describe('shell: and defaults', () => {
  it('resolves each script step to its own shell, else the default shell, else "default"', async () => {
    const { workflow, problems } = await check(
      'defaults: { shell: sh }',
      'steps:',
      '  - { id: own, action: shell, shell: python, with: { run: "print(1)" } }',
      '  - { id: inherited, action: shell, with: { run: "true" } }',
      '  - { id: tests, action: run-tests, with: { command: "true" } }',
      '  - { id: gate, action: approve }',
    );
    expect(problems).toEqual([]);
    expect(workflow?.steps.map((step) => [step.id, step.shell])).toEqual([
      ['own', 'python'],
      ['inherited', 'sh'],
      ['tests', 'sh'],
      ['gate', undefined],
    ]);
    const plain = await check('steps:', '  - { id: a, action: shell, with: { run: "true" } }');
    expect(plain.workflow?.steps[0]?.shell).toBe('default');
  });

  it('gives defaults.cwd to every action that takes a cwd, unless the step has its own', async () => {
    const { workflow, problems } = await check(
      'defaults: { cwd: packages/app }',
      'steps:',
      '  - { id: a, action: shell, with: { run: "pwd" } }',
      '  - { id: b, action: shell, with: { run: "pwd", cwd: docs } }',
      '  - { id: c, action: schema-validate }',
      '  - { id: d, action: wait, with: { for: 1s } }',
    );
    expect(problems).toEqual([]);
    expect(workflow?.steps.map((step) => step.with.cwd)).toEqual([
      'packages/app',
      'docs',
      'packages/app',
      undefined,
    ]);
  });

  it('changes the hash of a step when its shell changes, and not when it names none', async () => {
    const hashes = async (shell: string) =>
      (await check('steps:', `  - { id: a, action: shell, ${shell} with: { run: "true" } }`))
        .workflow?.steps[0]?.hash;
    const none = await hashes('');
    expect(await hashes('shell: sh,')).not.toBe(none);
    expect(await hashes('shell: bash,')).not.toBe(await hashes('shell: sh,'));
  });

  it('reports a misspelt shell with a suggestion, at its position', async () => {
    const { problems } = await check(
      'defaults: { shell: pyhton }',
      'steps:',
      '  - { id: a, action: shell, shell: bsh, with: { run: "true" } }',
    );
    expect(problems).toEqual([
      `${FILE}:3:20: "defaults.shell" must be one of bash, sh, node, python (got "pyhton"). Did you mean "python"?`,
      `${FILE}:5:36: "shell" in step "a" must be one of bash, sh, node, python (got "bsh"). Did you mean "bash"?`,
    ]);
  });

  it('refuses shell on an action that runs no script, and a shell given by an expression', async () => {
    const { problems } = await check(
      'inputs: { sh: { default: bash } }',
      'steps:',
      '  - { id: gate, action: approve, shell: bash }',
      '  - { id: a, action: shell, shell: "${{ inputs.sh }}", with: { run: "true" } }',
    );
    expect(problems).toEqual([
      `${FILE}:5:34: "shell" of step "gate" applies only to actions that run a script (shell, run-tests); action "approve" runs none. Remove it.`,
      `${FILE}:6:36: "shell" of step "a" must be written out (one of bash, sh, node, python), not an expression.`,
    ]);
  });

  it('refuses a working directory that leaves the workspace, in defaults or in a step', async () => {
    const { problems } = await check(
      'defaults: { cwd: ../sibling }',
      'steps:',
      '  - { id: a, action: shell, with: { run: "true", cwd: /etc } }',
      '  - { id: b, action: shell, with: { run: "true", cwd: "sub/../.." } }',
      '  - { id: c, action: shell, with: { run: "true", cwd: "./sub/.." } }',
    );
    expect(problems).toEqual([
      `${FILE}:3:18: "defaults.cwd" leaves the workspace ("../sibling"): steps run inside it. Give a directory relative to the workspace (e.g. packages/app).`,
      `${FILE}:5:55: "with.cwd" of step "a" leaves the workspace ("/etc"): steps run inside it. Give a directory relative to the workspace (e.g. packages/app).`,
      `${FILE}:6:55: "with.cwd" of step "b" leaves the workspace ("sub/../.."): steps run inside it. Give a directory relative to the workspace (e.g. packages/app).`,
    ]);
  });

  it('refuses an expression in defaults.cwd', async () => {
    const { problems } = await check(
      'inputs: { dir: {} }',
      'defaults: { cwd: "${{ inputs.dir }}" }',
      'steps:',
      '  - { id: a, action: shell, with: { run: "true" } }',
    );
    expect(problems).toEqual([
      `${FILE}:4:18: "defaults.cwd" is plain text: no \${{ }} (set \`with.cwd\` on a step for a directory an expression gives).`,
    ]);
  });

  it('merges defaults key by key over a template it extends', async () => {
    await workspace.writeWorkflow(
      'base',
      yaml(
        'name: base',
        'narrative: n',
        'defaults: { shell: sh, cwd: app }',
        'steps:',
        '  - { id: a, action: shell, with: { run: "true" } }',
      ),
    );
    await workspace.writeWorkflow(
      'demo',
      yaml('name: demo', 'extends: base', 'defaults: { cwd: lib }'),
    );
    const { workflow } = await loadWorkflow('demo', options);
    expect(workflow.steps[0]).toMatchObject({ shell: 'sh', with: { run: 'true', cwd: 'lib' } });
  });
});

describe('values in scripts', () => {
  it.each([
    ['python', 'os.environ["VALUE"]'],
    ['node', 'process.env.VALUE'],
  ])('refuses ${{ }} in a %s script, at the position of each expression', async (shell, read) => {
    const { problems } = await check(
      'inputs: { who: {} }',
      'steps:',
      '  - id: a',
      '    action: shell',
      `    shell: ${shell}`,
      '    with:',
      '      run: |',
      '        x = 1',
      '        print("${{ inputs.who }}", ${{inputs.who}})',
    );
    const advice = `cannot stand in a ${shell} script: a value there would be code. Pass it through env (env: { VALUE: "\${{ inputs.who }}" }) and read ${read}.`;
    expect(problems).toEqual([
      `${FILE}:11:16: \${{ inputs.who }} in "with.run" of step "a" ${advice}`,
      `${FILE}:11:36: \${{ inputs.who }} in "with.run" of step "a" ${advice}`,
    ]);
  });

  it('asks a node or python run-tests step for its command', async () => {
    const { problems } = await check(
      'steps:',
      '  - id: t',
      '    action: run-tests',
      '    shell: python',
      '    with: { cwd: tests }',
    );
    expect(problems).toEqual([
      `${FILE}:7:11: Step "t" runs its script with shell: python, so it needs "with.command": its default is a shell command.`,
    ]);
  });

  it('refuses an expression where no quoting can hand its value over, at its position', async () => {
    const { problems } = await check(
      'inputs: { v: {} }',
      'steps:',
      '  - id: a',
      '    action: shell',
      '    with:',
      '      run: |',
      '        echo \\${{ inputs.v }}',
      "        cat <<'END'",
      '        ${{ inputs.v }}',
      '        END',
    );
    expect(problems).toEqual([
      `${FILE}:9:15: \${{ inputs.v }} in "with.run" of step "a" follows a backslash, which would escape the start of its value. Remove the backslash before the expression.`,
      `${FILE}:11:9: \${{ inputs.v }} in "with.run" of step "a" stands in a quoted here-document (<<'END'), where nothing is expanded. Write the delimiter unquoted (<<END) to expand it there.`,
    ]);
  });

  it('warns, with positions, where bash would evaluate a value, and keeps the workflow valid', async () => {
    const { workflow, problems, warnings } = await check(
      'inputs: { n: {}, cmd: {} }',
      'steps:',
      '  - id: a',
      '    action: run-tests',
      '    with:',
      '      command: |',
      '        if [[ ${{ inputs.n }} -gt 0 ]]; then npm test; fi',
      '      install: ssh build@ci "prepare ${{ inputs.cmd }}"',
      '  - id: b',
      '    action: shell',
      '    with: { run: "echo ${{ inputs.n }}; eval \\"${{ inputs.cmd }}\\"" }',
    );
    expect(problems).toEqual([]);
    expect(workflow).toBeDefined();
    expect(warnings).toEqual([
      `${FILE}:9:15: \${{ inputs.n }} in "with.command" of step "a" stands in bash arithmetic ([[ … -gt … ]]), where bash evaluates the value as an expression: a value such as a[$(cmd)] runs cmd. Accept only numbers (test it with [[ $v =~ ^-?[0-9]+$ ]] first), or compare with [ … -eq … ], which does not evaluate.`,
      `${FILE}:10:38: \${{ inputs.cmd }} in "with.install" of step "a" is run as code by ssh: its value is a command there, not data. Hand it over as an argument or in a variable the code reads ("$1", "$VALUE"), never inside the code.`,
      `${FILE}:13:48: \${{ inputs.cmd }} in "with.run" of step "b" is run as code by eval: its value is a command there, not data. Hand it over as an argument or in a variable the code reads ("$1", "$VALUE"), never inside the code.`,
    ]);
  });

  it('does not warn about values a script only passes on', async () => {
    const { warnings } = await check(
      'inputs: { v: {} }',
      'steps:',
      '  - id: a',
      '    action: shell',
      '    with:',
      '      run: |',
      '        printf "%s\\n" "${{ inputs.v }}" > out.txt',
      '        [ "${{ inputs.v }}" -eq 1 ] || bash -c \'echo "$1"\' _ ${{ inputs.v }}',
    );
    expect(warnings).toEqual([]);
  });
});
