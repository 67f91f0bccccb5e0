// The `shell` action: runs a script through `sh -c`, with expression values as environment variables.

import { resolve } from 'node:path';
import { MiaError } from '../../errors.js';
import { describeExitCode } from '../output-facts.js';
import type { ActionAdapter } from '../types.js';
import { createOutputsPath, readOutputsFile } from './outputs-file.js';
import { describeEnding, runProcessGroup } from './process.js';

/**
 * Runs `with.run` in a shell; outputs `exitCode`, `stdout` and any `key=value` written to
 * $MIA_OUTPUT, also when the script fails (`exitCode` is null when a signal killed it).
 */
export const shellAction: ActionAdapter = {
  name: 'shell',
  universes: ['engineer', 'ceremony', 'story'],
  description: 'Runs a shell script (sh -c) in the workspace, or in `cwd`.',
  shellFields: ['run'],
  schema: {
    type: 'object',
    required: ['run'],
    additionalProperties: false,
    properties: {
      run: { type: 'string', minLength: 1, description: 'The script, run with sh -c.' },
      cwd: { type: 'string', description: 'Working directory, relative to the workspace.' },
    },
  },
  async run(ctx) {
    const script = String(ctx.with.run);
    const cwd = resolve(ctx.workdir, typeof ctx.with.cwd === 'string' ? ctx.with.cwd : '.');
    const outputsPath = createOutputsPath();
    const result = await runProcessGroup('sh', ['-c', script], {
      cwd,
      env: { ...ctx.env, ...ctx.expressionEnv, MIA_OUTPUT: outputsPath },
      signal: ctx.signal,
      log: ctx.log,
    });
    const written = await readOutputsFile(outputsPath);
    // A failed step keeps what it produced: its dependents (continue_on_error) and status read it.
    const outputs = {
      ...written,
      exitCode: result.exitCode ?? null,
      stdout: result.stdoutTail.trimEnd(),
    };
    if (result.exitCode !== 0) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      const lastLine = lastNonEmptyLine(result.stderrTail) ?? lastNonEmptyLine(result.stdoutTail);
      throw new MiaError(
        'MIA_SHELL_FAILED',
        `The command ${describeEnding(result)}${lastLine === undefined ? '.' : `: ${lastLine}`}`,
        {
          hint: !result.startError
            ? 'Read the step log for the full output.'
            : (result.startError as NodeJS.ErrnoException).code === 'E2BIG'
              ? 'Put a long script in a file of the workspace and run that file (`run: sh ./script.sh`); pass large values through files, not expressions.'
              : `Check that ${cwd} exists and that sh is on PATH.`,
          outputs,
        },
      );
    }
    return { outputs };
  },
  describeOutputs: describeExitCode,
};

function lastNonEmptyLine(text: string): string | undefined {
  const lines = text.split('\n').map((line) => line.trim());
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i];
    if (line) return line.length > 300 ? `${line.slice(0, 300)}…` : line;
  }
  return undefined;
}
