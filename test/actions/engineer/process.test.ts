import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  describeEnding,
  type ProcessOptions,
  runProcessGroup,
} from '../../../src/actions/engineer/process.js';
import { isProcessAlive, waitUntil } from '../../helpers/processes.js';

async function makeOptions(overrides: Partial<ProcessOptions> = {}) {
  const cwd = await mkdtemp(join(tmpdir(), 'mia-process-'));
  const written: string[] = [];
  const options: ProcessOptions = {
    cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    signal: new AbortController().signal,
    log: { write: (stream, text) => written.push(`${stream}:${text}`), info: () => {} },
    ...overrides,
  };
  return { cwd, written, options };
}

async function readPid(path: string): Promise<number | undefined> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return /^\d+\n$/.test(text) ? Number(text) : undefined;
}

describe('runProcessGroup', () => {
  it('reports the exit code and keeps the ends of stdout and stderr', async () => {
    const { options, written } = await makeOptions({ keepOutputBytes: 1024 });
    const result = await runProcessGroup('sh', ['-c', 'echo out; echo err >&2; exit 3'], options);
    expect(result).toMatchObject({
      exitCode: 3,
      signal: undefined,
      startError: undefined,
      stdoutTail: 'out\n',
      stderrTail: 'err\n',
    });
    expect(result.outputTail).toContain('out\n');
    expect(result.outputTail).toContain('err\n');
    expect(written).toContain('stdout:out\n');
    expect(written).toContain('stderr:err\n');
    expect(describeEnding(result)).toBe('exited with 3');
  });

  it('hands the log the bytes a process wrote, and decodes a character split between two writes in its tails', async () => {
    const chunks: Buffer[] = [];
    const { options } = await makeOptions({
      log: {
        write: (_stream, output) => {
          chunks.push(Buffer.from(output));
        },
        info: () => {},
      },
    });
    // \303\251 is é in UTF-8, written in two halves; \377 is no UTF-8 at all.
    const script = "printf '\\303'; sleep 0.2; printf '\\251\\377\\n'";
    const result = await runProcessGroup('sh', ['-c', script], options);
    expect(Buffer.concat(chunks)).toEqual(Buffer.from([0xc3, 0xa9, 0xff, 0x0a]));
    expect(result.stdoutTail).toBe('é\uFFFD\n');
  });

  it('runs in its cwd with exactly the given environment', async () => {
    const { cwd, options } = await makeOptions({ env: { ONLY: 'this' } });
    const result = await runProcessGroup(
      '/bin/sh',
      ['-c', 'pwd; echo "$ONLY-${HOME:-unset}"'],
      options,
    );
    expect(result.exitCode).toBe(0);
    expect(result.stdoutTail).toContain(`${cwd}\n`);
    expect(result.stdoutTail).toContain('this-unset\n');
  });

  it('reports the signal that killed the process, with no exit code', async () => {
    const { options } = await makeOptions();
    const result = await runProcessGroup('sh', ['-c', 'kill -TERM $$'], options);
    expect(result.exitCode).toBeUndefined();
    expect(result.signal).toBe('SIGTERM');
    expect(describeEnding(result)).toBe('was killed by SIGTERM');
  });

  it('reports a command that does not exist as a start error instead of throwing', async () => {
    const { options } = await makeOptions();
    const result = await runProcessGroup('mia-no-such-command', [], options);
    expect(result.exitCode).toBeUndefined();
    expect(result.signal).toBeUndefined();
    expect((result.startError as NodeJS.ErrnoException).code).toBe('ENOENT');
    expect(describeEnding(result)).toMatch(/^could not be started \(.*ENOENT\)$/);
  });

  it('reports a file that is not executable as a start error (EACCES)', async () => {
    const { cwd, options } = await makeOptions();
    const script = join(cwd, 'script.sh');
    await writeFile(script, 'echo never\n');
    await chmod(script, 0o644);
    const result = await runProcessGroup(script, [], options);
    expect((result.startError as NodeJS.ErrnoException).code).toBe('EACCES');
    expect(result.stdoutTail).toBe('');
  });

  it('reports a missing working directory as a start error', async () => {
    const { cwd, options } = await makeOptions();
    const result = await runProcessGroup('sh', ['-c', 'true'], {
      ...options,
      cwd: join(cwd, 'missing'),
    });
    expect((result.startError as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it('reports a spawn refused before any process exists (a NUL byte in a variable)', async () => {
    const { options } = await makeOptions();
    const result = await runProcessGroup('sh', ['-c', 'true'], {
      ...options,
      env: { ...options.env, FROM_AN_OUTPUT: 'a\0b' },
    });
    expect(result.exitCode).toBeUndefined();
    expect((result.startError as NodeJS.ErrnoException).code).toBe('ERR_INVALID_ARG_VALUE');
    expect(describeEnding(result)).toMatch(/^could not be started/);
  });

  it('kills the whole process group on abort, a backgrounded child included', async () => {
    const controller = new AbortController();
    const { cwd, options } = await makeOptions({ signal: controller.signal });
    const running = runProcessGroup(
      'sh',
      ['-c', 'sleep 600 & echo $! > child.pid; echo $$ > shell.pid; wait'],
      options,
    );
    expect(await waitUntil(async () => (await readPid(join(cwd, 'shell.pid'))) !== undefined)).toBe(
      true,
    );
    const shellPid = (await readPid(join(cwd, 'shell.pid')))!;
    const childPid = (await readPid(join(cwd, 'child.pid')))!;
    controller.abort();
    const result = await running;
    expect(result.signal).toBe('SIGTERM');
    expect(isProcessAlive(shellPid)).toBe(false);
    expect(await waitUntil(() => !isProcessAlive(childPid))).toBe(true);
  });

  it('kills a process at once when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const { options } = await makeOptions({ signal: controller.signal });
    const result = await runProcessGroup('sleep', ['600'], options);
    expect(result.signal).toBe('SIGTERM');
  });

  it('kills what the process left running in its group once it has exited', async () => {
    const { cwd, options } = await makeOptions();
    const result = await runProcessGroup(
      'sh',
      ['-c', 'sleep 600 >/dev/null 2>&1 & echo $! > child.pid'],
      options,
    );
    expect(result.exitCode).toBe(0);
    const childPid = (await readPid(join(cwd, 'child.pid')))!;
    expect(childPid).toBeGreaterThan(0);
    expect(await waitUntil(() => !isProcessAlive(childPid))).toBe(true);
  });
});
