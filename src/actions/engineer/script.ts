// Runs a step's script in its shell: bash and sh fail fast and read it from a file; node and
// python read it from stdin, so `require`/`import` resolve from the step's directory.

import { accessSync, constants, rmSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { ShellName } from '../../definition/types.js';
import { MiaError } from '../../errors.js';
import { createOutputsPath } from './outputs-file.js';
import { type ProcessOptions, type ProcessResult, runProcessGroup } from './process.js';

/** Each shell: the program it needs, how that program runs a script, and what to install. */
const SHELL_PROGRAMS: Record<ShellName, { program: string; args: string[]; install: string }> = {
  bash: { program: 'bash', args: ['--noprofile', '--norc', '-eo', 'pipefail'], install: 'bash' },
  sh: { program: 'sh', args: ['-e'], install: 'a POSIX sh' },
  node: { program: 'node', args: ['-'], install: 'Node.js' },
  python: { program: 'python3', args: ['-'], install: 'Python 3 (python3)' },
};

const found = new Map<string, string>();

/** The full path of `program` on `path` (a PATH value), or undefined. Hits are remembered. */
export function findProgram(program: string, path: string | undefined): string | undefined {
  const key = `${path}\0${program}`;
  const known = found.get(key);
  if (known !== undefined) return known;
  for (const dir of (path ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      if (!statSync(candidate).isFile()) continue;
    } catch {
      continue;
    }
    found.set(key, candidate);
    return candidate;
  }
  return undefined;
}

/** The shell of a step that names none: bash where it is on PATH, else sh. */
export function chooseDefaultShell(path: string | undefined): 'bash' | 'sh' {
  return findProgram('bash', path) === undefined ? 'sh' : 'bash';
}

/** How one script runs: its shell, a name for its file (the step id), and the process options. */
export interface ScriptOptions extends Omit<ProcessOptions, 'input'> {
  shell: ShellName;
  /** The step's id: it names the script file in the shell's messages (`build.sh: line 3: …`). */
  name: string;
}

/**
 * Runs `script` in `options.shell` as a process group (see runProcessGroup). bash runs as
 * `bash --noprofile --norc -eo pipefail <file>` and sh as `sh -e <file>`: the script stops at
 * the first command that fails. node and python3 read the script from stdin (`node -`,
 * `python3 -`). A file or stdin rather than `-c`: no limit on the script's size (an argument
 * is limited to 128 KiB on Linux), and errors name the line. Throws MIA_SHELL_NOT_FOUND when the
 * shell's program is not on the step's PATH.
 */
export async function runScript(script: string, options: ScriptOptions): Promise<ProcessResult> {
  const { shell, name, ...processOptions } = options;
  const spec = SHELL_PROGRAMS[shell];
  const program =
    findProgram(spec.program, options.env.PATH) ??
    // mia itself runs on Node: a step can always have it.
    (shell === 'node' ? process.execPath : undefined);
  if (program === undefined) throw createNotFoundError(shell, name, options.env.PATH);
  if (shell === 'node' || shell === 'python') {
    return runProcessGroup(program, spec.args, { ...processOptions, input: script });
  }
  // One file in the private folder of output files: no folder of its own, which costs a step
  // about half a millisecond more to make and remove.
  const file = `${createOutputsPath()}.sh`;
  try {
    writeFileSync(file, script, { mode: 0o600, flag: 'wx' });
    const result = await runProcessGroup(program, [...spec.args, file], processOptions);
    // The shell names the file in its messages: the step's name is enough to find the line.
    const shown = `${name.replace(/[^A-Za-z0-9_.-]/g, '_')}.sh`;
    const shorten = (text: string) => text.replaceAll(file, shown);
    return {
      ...result,
      stderrTail: shorten(result.stderrTail),
      outputTail: shorten(result.outputTail),
    };
  } finally {
    rmSync(file, { force: true });
  }
}

function createNotFoundError(shell: ShellName, name: string, path: string | undefined): MiaError {
  const { program, install } = SHELL_PROGRAMS[shell];
  const others = (Object.keys(SHELL_PROGRAMS) as ShellName[]).filter((each) => each !== shell);
  const fix = `install ${install}, or give step "${name}" another shell (${others.slice(0, -1).join(', ')} or ${others.at(-1)})`;
  return new MiaError(
    'MIA_SHELL_NOT_FOUND',
    `shell: ${shell} needs ${program}, which is not on this machine's PATH: ${fix}.`,
    {
      hint: `${fix.charAt(0).toUpperCase()}${fix.slice(1)}. PATH searched: ${path ?? '(none)'}.`,
      isRetriable: false,
    },
  );
}
