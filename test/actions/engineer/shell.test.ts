import { describe, expect, it } from 'vitest';
import { shellAction } from '../../../src/actions/engineer/shell.js';
import { MiaError } from '../../../src/errors.js';
import { runInWorkspace } from './run-in-workspace.js';

describe('the shell action', () => {
  it('outputs stdout, the exit code and what the script wrote to $MIA_OUTPUT', async () => {
    const { outputs, error } = await runInWorkspace(
      shellAction,
      {},
      { run: 'echo hello; echo "tag=v1" >> "$MIA_OUTPUT"' },
    );
    expect(error).toBeUndefined();
    expect(outputs).toEqual({ tag: 'v1', exitCode: 0, stdout: 'hello' });
  });

  it('fails with the exit code and the last line of stderr', async () => {
    const { error } = await runInWorkspace(shellAction, {}, { run: 'echo boom >&2; exit 3' });
    expect(error).toBeInstanceOf(MiaError);
    expect(error?.code).toBe('MIA_SHELL_FAILED');
    expect(error?.message).toBe('The command exited with 3: boom');
  });

  it('keeps its exit code, stdout and $MIA_OUTPUT values on the error when it fails', async () => {
    const { error } = await runInWorkspace(
      shellAction,
      {},
      { run: 'echo "found=2" >> "$MIA_OUTPUT"; echo partial; exit 5' },
    );
    expect(error?.outputs).toEqual({ found: '2', exitCode: 5, stdout: 'partial' });
  });

  it("runs the script in the step's shell, failing fast", async () => {
    const script = 'echo first\nfalse\necho after';
    const { outputs, error } = await runInWorkspace(
      shellAction,
      {},
      { run: script },
      {
        shell: 'sh',
      },
    );
    expect(outputs).toBeUndefined();
    expect(error?.outputs).toMatchObject({ exitCode: 1, stdout: 'first' });
  });

  it('runs a python script when the step says so', async () => {
    const { outputs } = await runInWorkspace(
      shellAction,
      { 'data.txt': 'from a file' },
      { run: 'print(open("data.txt").read())' },
      { shell: 'python' },
    );
    expect(outputs).toMatchObject({ exitCode: 0, stdout: 'from a file' });
  });

  it('refuses a cwd outside the workspace, as an expression could give', async () => {
    const { error } = await runInWorkspace(shellAction, {}, { run: 'true', cwd: '../..' });
    expect(error?.code).toBe('MIA_CWD_OUTSIDE_WORKSPACE');
  });

  it('says the command could not be started when its cwd does not exist', async () => {
    const { ctx, error } = await runInWorkspace(shellAction, {}, { run: 'true', cwd: 'missing' });
    expect(error).toBeInstanceOf(MiaError);
    expect(error?.code).toBe('MIA_SHELL_FAILED');
    expect(error?.message).toMatch(/^The command could not be started \(.*ENOENT\)\.$/);
    expect(error?.hint).toBe(`Check that ${ctx.workdir}/missing exists.`);
  });

  it('runs a script longer than the system takes in one argument: the script goes in a file', async () => {
    const script = `${'echo line >/dev/null\n'.repeat(9000)}echo done`;
    const { error, outputs } = await runInWorkspace(shellAction, {}, { run: script });
    expect(error).toBeUndefined();
    expect(outputs?.stdout).toBe('done');
  });

  it('names the variable that is too long when an expression value is longer than the system takes', async () => {
    const { error } = await runInWorkspace(
      shellAction,
      {},
      { run: 'echo "$MIA_EXPR_BIG" | wc -c' },
      { expressionEnv: { MIA_EXPR_BIG: 'x'.repeat(200 * 1024) } },
    );
    expect(error?.message).toBe(
      'The command could not be started (spawn E2BIG: its variable MIA_EXPR_BIG takes 201 KiB, more than the 128 KiB the system takes in one).',
    );
    expect(error?.hint).toMatch(/^Pass large values through files of the workspace/);
  });
});
