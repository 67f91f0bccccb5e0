import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  chooseDefaultShell,
  findProgram,
  runScript,
  type ScriptOptions,
} from '../../../src/actions/engineer/script.js';
import type { ShellName } from '../../../src/definition/types.js';
import { MiaError } from '../../../src/errors.js';

let cwd: string;
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'mia-script-'));
});

/** Runs a script in `cwd` with the process environment (plus `env`). */
function run(shell: ShellName, script: string, env: Record<string, string> = {}) {
  const options: ScriptOptions = {
    shell,
    name: 'build',
    cwd,
    env: { ...(process.env as Record<string, string>), ...env },
    signal: new AbortController().signal,
    log: { write: () => {}, info: () => {} },
  };
  return runScript(script, options);
}

/** A PATH folder holding only `sh` (and what else is named), for a machine without the rest. */
async function createPathWith(...programs: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mia-path-'));
  for (const program of ['sh', ...programs]) {
    const target = findProgram(program, process.env.PATH);
    if (target === undefined) throw new Error(`${program} is needed on PATH for this test`);
    await symlink(target, join(dir, program));
  }
  return dir;
}

describe('runScript', () => {
  it.each(['bash', 'sh'] as const)(
    'stops a %s script at its first failing command, and fails',
    async (shell) => {
      const result = await run(shell, 'echo first\nfalse\necho after');
      expect(result.exitCode).toBe(1);
      expect(result.stdoutTail).toBe('first\n');
    },
  );

  it('fails a bash script when a command piped into cat fails (pipefail)', async () => {
    const result = await run('bash', 'false | cat\necho after');
    expect(result.exitCode).toBe(1);
    expect(result.stdoutTail).toBe('');
  });

  it('names the script by its step and line in the shell messages, not by a temp path', async () => {
    const result = await run('bash', 'true\nno-such-command-mia');
    expect(result.exitCode).toBe(127);
    expect(result.stderrTail).toBe('build.sh: line 2: no-such-command-mia: command not found\n');
  });

  it('runs a script larger than one command-line argument may be (128 KiB)', async () => {
    const script = `${': padding\n'.repeat(20_000)}echo end`;
    expect(script.length).toBeGreaterThan(128 * 1024);
    const result = await run('bash', script);
    expect(result.exitCode).toBe(0);
    expect(result.stdoutTail).toBe('end\n');
  });

  it('runs a node script as a program, reading values from env and modules from its cwd', async () => {
    await mkdir(join(cwd, 'node_modules/greeting'), { recursive: true });
    await writeFile(join(cwd, 'node_modules/greeting/index.js'), 'module.exports = "hello";\n');
    const script =
      "const greeting = require('greeting');\nconsole.log(`${greeting} ${process.env.WHO}`);";
    const result = await run('node', script, { WHO: '$(touch pwned) "quoted"' });
    expect(result.stderrTail).toBe('');
    expect(result.stdoutTail).toBe('hello $(touch pwned) "quoted"\n');
  });

  it('runs a node script with import and top-level await as a module', async () => {
    const script =
      "import { setTimeout } from 'node:timers/promises';\nconsole.log(await setTimeout(1, 'awaited'));";
    const result = await run('node', script);
    expect(result.stdoutTail).toBe('awaited\n');
  });

  it('runs a python script as a program, reading values from env and modules from its cwd', async () => {
    await writeFile(join(cwd, 'helper.py'), 'def shout(text):\n    return text.upper()\n');
    const script = 'import os\nimport helper\nprint(helper.shout(os.environ["WHO"]))';
    const result = await run('python', script, { WHO: "it's `me`" });
    expect(result.stderrTail).toBe('');
    expect(result.stdoutTail).toBe("IT'S `ME`\n");
  });

  it('fails a python script that raises, naming its line', async () => {
    const result = await run('python', 'x = 1\nx / 0');
    expect(result.exitCode).toBe(1);
    expect(result.stderrTail).toContain('File "<stdin>", line 2');
    expect(result.stderrTail).toContain('ZeroDivisionError');
  });

  it('says what to install when the shell a step names is not on PATH', async () => {
    const path = await createPathWith();
    const error = await run('python', 'print(1)', { PATH: path }).catch((thrown) => thrown);
    expect(error).toBeInstanceOf(MiaError);
    expect(error.code).toBe('MIA_SHELL_NOT_FOUND');
    expect(error.isRetriable).toBe(false);
    expect(error.message).toBe(
      'shell: python needs python3, which is not on this machine\'s PATH: install Python 3 (python3), or give step "build" another shell (bash, sh or node).',
    );
  });

  it('runs node with the Node that runs mia when none is on PATH', async () => {
    const path = await createPathWith();
    const result = await run('node', 'console.log(process.execPath)', { PATH: path });
    expect(result.stdoutTail).toBe(`${process.execPath}\n`);
  });
});

describe('chooseDefaultShell', () => {
  it('chooses bash where it is on PATH', async () => {
    expect(chooseDefaultShell(await createPathWith('bash'))).toBe('bash');
  });

  it('chooses sh where bash is not', async () => {
    expect(chooseDefaultShell(await createPathWith())).toBe('sh');
  });
});
