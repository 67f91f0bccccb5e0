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

  it('says the command could not be started when its cwd does not exist', async () => {
    const { ctx, error } = await runInWorkspace(shellAction, {}, { run: 'true', cwd: 'missing' });
    expect(error).toBeInstanceOf(MiaError);
    expect(error?.code).toBe('MIA_SHELL_FAILED');
    expect(error?.message).toMatch(/^The command could not be started \(.*ENOENT\)\.$/);
    expect(error?.hint).toBe(`Check that ${ctx.workdir}/missing exists.`);
  });
});
