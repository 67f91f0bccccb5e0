// The `shell` action: runs a script in the step's shell, with expression values as environment variables.

import { MiaError } from '../../errors.js';
import { resolveStepCwd } from '../../util/workspace-path.js';
import { describeExitCode } from '../output-facts.js';
import type { ActionAdapter } from '../types.js';
import { createOutputsPath, readOutputsFile } from './outputs-file.js';
import { describeEnding } from './process.js';
import { chooseDefaultShell, runScript } from './script.js';

/**
 * Runs `with.run` in the step's shell (bash -eo pipefail, sh -e, node or python); outputs
 * `exitCode`, `stdout` and any `key=value` written to $MIA_OUTPUT, also when the script fails
 * (`exitCode` is null when a signal killed it).
 */
export const shellAction: ActionAdapter = {
  name: 'shell',
  universes: ['engineer', 'ceremony', 'story'],
  description:
    'Runs a script in the workspace, or in `cwd`: bash -eo pipefail (else sh -e), or the `shell:` of the step.',
  shellFields: ['run'],
  scriptField: 'run',
  schema: {
    type: 'object',
    required: ['run'],
    additionalProperties: false,
    properties: {
      run: {
        type: 'string',
        minLength: 1,
        description:
          "The script, run by the step's `shell:` (default: bash -eo pipefail, else sh -e): it stops at the first command that fails.",
      },
      cwd: { type: 'string', description: 'Working directory, relative to the workspace.' },
    },
  },
  async run(ctx) {
    const script = String(ctx.with.run);
    const cwd = resolveStepCwd(ctx.workdir, ctx.with.cwd);
    const outputsPath = createOutputsPath();
    const result = await runScript(script, {
      shell: ctx.shell ?? chooseDefaultShell(ctx.env.PATH),
      name: ctx.stepId,
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
              ? 'Pass large values through files of the workspace, not expressions (a value in `env:` or `with:` must fit in one argument).'
              : `Check that ${cwd} exists.`,
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
