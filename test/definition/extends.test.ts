import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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

async function problemsOf(ref: string): Promise<string[]> {
  return (await checkWorkflow(ref, options)).problems.map(formatProblem);
}

describe('extends', () => {
  it('patches, adds and removes steps of the template it overrides', async () => {
    await workspace.writeWorkflow(
      'hello-world',
      yaml(
        'name: hello-world',
        'extends: hello-world',
        'narrative: A shorter greeting',
        'inputs:',
        '  name: { default: you }',
        'remove: [count]',
        'steps:',
        '  - id: greet',
        '    beat: The greeting is whispered',
        '    with: { cwd: sub }',
        '    env: { LOUD: "no" }',
        '  - id: wrap-up',
        '    depends_on: [greet]',
        '  - id: celebrate',
        '    action: wait',
        '    with: { for: 1s }',
        '    depends_on: [wrap-up]',
      ),
    );
    const { workflow } = await loadWorkflow('hello-world', options);
    expect(workflow.source.kind).toBe('workspace');
    expect(workflow.extends).toBe('hello-world');
    expect(workflow.narrative).toBe('A shorter greeting');
    expect(workflow.description).toMatch(/^The smallest workflow/);
    expect(Object.keys(workflow.inputs)).toEqual(['greeting', 'name']);
    expect(workflow.steps.map((step) => [step.id, step.action, step.dependsOn])).toEqual([
      ['greet', 'shell', []],
      ['wrap-up', 'shell', ['greet']],
      ['celebrate', 'wait', ['wrap-up']],
    ]);
    expect(workflow.steps[0]).toMatchObject({
      beat: 'The greeting is whispered',
      tension: 'The greeting could not be spoken',
      with: { run: 'echo "${{ inputs.greeting }}, world"', cwd: 'sub' },
      env: { LOUD: 'no' },
    });
  });

  it('replaces a step whole when it is removed and defined again', async () => {
    await workspace.writeWorkflow(
      'hello-world',
      yaml(
        'name: hello-world',
        'extends: hello-world',
        'remove: [greet]',
        'steps:',
        '  - { id: greet, action: wait, with: { for: 2s } }',
      ),
    );
    const { workflow } = await loadWorkflow('hello-world', options);
    expect(workflow.steps.map((step) => step.id)).toEqual(['count', 'wrap-up', 'greet']);
    expect(workflow.steps[2]).toMatchObject({
      action: 'wait',
      with: { for: '2s' },
      beat: undefined,
    });
  });

  it('follows a chain of workspace workflows down to the template', async () => {
    await workspace.writeWorkflow(
      'base',
      yaml('name: base', 'extends: hello-world', 'steps: [{ id: count, timeout: 5s }]'),
    );
    await workspace.writeWorkflow(
      'top',
      yaml('name: top', 'extends: base', 'steps: [{ id: count, retry: { attempts: 2 } }]'),
    );
    const { workflow } = await loadWorkflow('top', options);
    expect(workflow.name).toBe('top');
    expect(workflow.steps[1]).toMatchObject({
      id: 'count',
      timeoutMs: 5000,
      retry: { attempts: 2 },
    });
  });

  it('points at the file that holds each problem, the base file included', async () => {
    await workspace.writeWorkflow(
      'base',
      yaml('name: base', 'extends: hello-world', 'steps:', '  - { id: count, timout: 5s }'),
    );
    await workspace.writeWorkflow(
      'top',
      yaml('name: top', 'extends: base', 'steps:', '  - { id: count, action: shel }'),
    );
    expect(await problemsOf('top')).toEqual([
      '.mia/workflows/top.yaml:4:26: Unknown action "shel" in step "count". Did you mean "shell"? Known: shell, wait, approve',
      '.mia/workflows/base.yaml:4:18: Unknown field "timout" in step "count". Did you mean "timeout"?',
    ]);
  });

  it('reports an unknown step to remove with a suggestion', async () => {
    await workspace.writeWorkflow(
      'mine',
      yaml('name: mine', 'extends: hello-world', 'remove: [greet, cont]'),
    );
    expect(await problemsOf('mine')).toEqual([
      '.mia/workflows/mine.yaml:3:17: Cannot remove step "cont": "hello-world" has no such step. Did you mean "count"? Its steps: count, wrap-up.',
      expect.stringContaining('Step "wrap-up" depends on unknown step "greet".'),
    ]);
  });

  it('asks for an action on a new step, suggesting the step it may have meant to patch', async () => {
    await workspace.writeWorkflow(
      'mine',
      yaml('name: mine', 'extends: hello-world', 'steps:', '  - { id: gret, beat: Hi }'),
    );
    expect(await problemsOf('mine')).toEqual([
      '.mia/workflows/mine.yaml:4:11: Step "gret" is not a step of "hello-world", so it is a new step and needs an "action". Did you mean "greet"? Steps to patch: greet, count, wrap-up.',
    ]);
  });

  it('names an extends cycle', async () => {
    await workspace.writeWorkflow('one', yaml('name: one', 'extends: two'));
    await workspace.writeWorkflow('two', yaml('name: two', 'extends: one'));
    expect(await problemsOf('one')).toEqual([
      '.mia/workflows/two.yaml:2:10: Extends cycle: one -> two -> one.',
    ]);
  });

  it('reports a base that does not exist at the extends line', async () => {
    await workspace.writeWorkflow('mine', yaml('name: mine', 'extends: helo-world'));
    expect(await problemsOf('mine')).toEqual([
      expect.stringMatching(
        /^\.mia\/workflows\/mine\.yaml:2:10: extends: No workflow named "helo-world"\. Did you mean "hello-world"\?/,
      ),
    ]);
  });

  it('stops following extends after a few levels', async () => {
    for (let level = 0; level < 7; level += 1) {
      await workspace.writeWorkflow(
        `level-${level}`,
        yaml(
          `name: level-${level}`,
          `extends: ${level === 6 ? 'hello-world' : `level-${level + 1}`}`,
        ),
      );
    }
    expect(await problemsOf('level-0')).toEqual([
      expect.stringMatching(/^\.mia\/workflows\/level-5\.yaml:2:10: Too many levels of extends/),
    ]);
  });
});
