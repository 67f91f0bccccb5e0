// The `mia` command: parses argv into a command, runs it, and turns the outcome into an exit code.

import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { DefinitionError, MiaError, RunLockedError } from '../errors.js';
import { stripControlSequences } from '../util/terminal-text.js';
import type { ApproveOptions } from './commands/approve.js';
import { type DashboardOptions, dashboardCommand, parsePort } from './commands/dashboard.js';
import { type CommandContext, createCommandContext } from './context.js';
import { EXIT } from './exit-codes.js';
import { createProcessIo, type Io } from './io.js';
import { collectInput, parseConcurrency, parseShowFormat } from './options.js';

// Each command's module is imported when the command runs, so that `mia --version` loads none
// and `mia workflow ls` only what it needs (no actions, no ajv, no execa).
const approveCommand = lazy(() => import('./commands/approve.js'), 'approveCommand');
const initCommand = lazy(() => import('./commands/init.js'), 'initCommand');
const listCommand = lazy(() => import('./commands/list.js'), 'listCommand');
const resumeWorkflowCommand = lazy(() => import('./commands/run.js'), 'resumeWorkflowCommand');
const runWorkflowCommand = lazy(() => import('./commands/run.js'), 'runWorkflowCommand');
const runsCommand = lazy(() => import('./commands/runs.js'), 'runsCommand');
const showCommand = lazy(() => import('./commands/definitions.js'), 'showCommand');
const statusCommand = lazy(() => import('./commands/status.js'), 'statusCommand');
const storyCommand = lazy(() => import('./commands/story.js'), 'storyCommand');
const validateCommand = lazy(() => import('./commands/definitions.js'), 'validateCommand');

const packageJson = JSON.parse(
  readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
) as {
  version: string;
};

/** Runs the CLI with the given arguments (without `node` and the script); resolves to the exit code. */
export async function main(argv: string[], io: Io = createProcessIo()): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    return reportError(io, error);
  }
}

function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('mia')
    .description('mia-workflow: narrative-driven YAML workflows, told as stories.')
    .version(packageJson.version, '-v, --version')
    .option('-C, --cwd <dir>', 'workspace directory (default: the current directory)')
    .configureOutput({
      writeOut: (s) => io.out(s),
      writeErr: (s) => io.err(stripControlSequences(s)),
    })
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');

  const context = (command: Command): CommandContext =>
    createCommandContext(io, command.optsWithGlobals<{ cwd?: string }>().cwd);
  const action =
    <A extends unknown[]>(fn: (ctx: CommandContext, ...args: A) => Promise<number>) =>
    async (...args: unknown[]) => {
      const command = args[args.length - 1] as Command;
      setExit(await fn(context(command), ...(args.slice(0, -1) as A)));
    };

  const workflow = program.command('workflow').description('define, run and follow workflows');
  workflow
    .command('ls')
    .description("list workflows: built-in templates and this workspace's, marking overrides")
    .option('--actions', 'list the actions (built-in and custom) instead of workflows')
    .option('--json', 'machine-readable output')
    .action(
      action((ctx, options: { json?: boolean; actions?: boolean }) => listCommand(ctx, options)),
    );
  workflow
    .command('show')
    .description('show a workflow as a plan: steps, levels, critical path')
    .argument('<name>', 'workflow name or file')
    .addOption(
      new Option('--format <format>', 'text, json or mermaid')
        .default('text')
        .argParser(parseShowFormat),
    )
    .action(
      action((ctx, name: string, options: { format: 'text' | 'json' | 'mermaid' }) =>
        showCommand(ctx, name, options),
      ),
    );
  workflow
    .command('validate')
    .description('check workflow definitions and print every problem')
    .argument('[names...]', 'workflow names or files (default: every workflow of the workspace)')
    .option('--json', 'machine-readable output')
    .action(
      action((ctx, names: string[], options: { json?: boolean }) =>
        validateCommand(ctx, names, options),
      ),
    );
  workflow
    .command('init')
    .description('copy a built-in template into .mia/workflows/ to customize it')
    .argument('<template>', 'the template to start from')
    .option('--as <name>', "the new workflow's name (default: the template's, which overrides it)")
    .option('--force', 'overwrite an existing workflow file')
    .action(
      action((ctx, template: string, options: { as?: string; force?: boolean }) =>
        initCommand(ctx, template, options),
      ),
    );
  workflow
    .command('run')
    .description('run a workflow; the first line printed is `run <run-id>`')
    .argument('<name>', 'workflow name or file')
    .option('-i, --input <key=value>', 'an input of the workflow (repeatable)', collectInput, {})
    .option('--concurrency <n>', 'most steps running at once', parseConcurrency)
    .option('--yes', 'answer every gate with approval (recorded as automatic)')
    .option('--dashboard', 'serve the live dashboard while the run goes (prints its URL)')
    .option('--json', 'print events as JSON lines only')
    .action(
      action(
        (
          ctx,
          name: string,
          options: {
            input: Record<string, string>;
            concurrency?: number;
            yes?: boolean;
            dashboard?: boolean;
            json?: boolean;
          },
        ) => runWorkflowCommand(ctx, name, options),
      ),
    );
  workflow
    .command('resume')
    .description('continue a failed, interrupted or crashed run')
    .argument('[run-id]', 'the run (default: the latest)')
    .option('--last', 'the latest run')
    .option('--from <step>', 're-run this step and everything downstream of it')
    .option('--concurrency <n>', 'most steps running at once', parseConcurrency)
    .option('--yes', 'answer every gate with approval (recorded as automatic)')
    .option('--dashboard', 'serve the live dashboard while the run goes (prints its URL)')
    .option('--json', 'print events as JSON lines only')
    .action(
      action((ctx, runId: string | undefined, options: object) =>
        resumeWorkflowCommand(ctx, runId, options),
      ),
    );
  workflow
    .command('approve')
    .description('answer a gate: approve it, or reject it with --reject')
    .argument('<run-id>', 'the run')
    .argument(
      '<step-id>',
      'the step waiting at the gate (<chapter-step>/<gate-step> inside a chapter)',
    )
    .option('--reject', 'reject instead of approving (a tension)')
    .option('--reason <text>', 'why; shown in the story')
    .option('--json', 'machine-readable output')
    .action(
      action((ctx, runId: string, stepId: string, options: ApproveOptions) =>
        approveCommand(ctx, runId, stepId, options),
      ),
    );
  workflow
    .command('status')
    .description('the state of a run, step by step')
    .argument('[run-id]', 'the run (default: the latest)')
    .option('--last', 'the latest run')
    .option('--json', 'machine-readable output')
    .action(
      action((ctx, runId: string | undefined, options: object) =>
        statusCommand(ctx, runId, options),
      ),
    );
  workflow
    .command('story')
    .description('the run told as a story: beats, tensions, resolutions')
    .argument('[run-id]', 'the run (default: the latest)')
    .option('--last', 'the latest run')
    .action(
      action((ctx, runId: string | undefined, options: object) =>
        storyCommand(ctx, runId, options),
      ),
    );
  workflow
    .command('runs')
    .description("the history of this workspace's runs")
    .option('--json', 'machine-readable output')
    .action(action((ctx, options: { json?: boolean }) => runsCommand(ctx, options)));
  program
    .command('dashboard')
    .description('serve the live dashboard and WebSocket feed of every run of the workspace')
    .option('--port <n>', 'port to listen on (0: any free port)', parsePort)
    .option('--host <host>', 'address to listen on (default 127.0.0.1)')
    .option(
      '--allow-remote',
      'allow a --host other machines can reach (the token is the only protection)',
    )
    .action(action((ctx, options: DashboardOptions) => dashboardCommand(ctx, options)));
  return program;
}

/** A function of a module imported on its first call. */
function lazy<M, K extends keyof M>(load: () => Promise<M>, name: K): M[K] {
  const call = async (...args: unknown[]) =>
    ((await load())[name] as (...values: unknown[]) => unknown)(...args);
  return call as M[K];
}

function reportError(io: Io, error: unknown): number {
  // A message may quote what a step or a file holds: it reaches the terminal without controls.
  const err = (text: string) => io.err(stripControlSequences(text));
  if (error instanceof CommanderError) {
    // --help and --version exit 0; help shown for a missing command (`mia workflow`) is an error.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (error instanceof DefinitionError) {
    err(`${error.message}\n${error.hint ?? ''}\n`);
    return EXIT.usage;
  }
  if (error instanceof MiaError) {
    err(`error: ${error.message}\n${error.hint ? `${error.hint}\n` : ''}`);
    if (error instanceof RunLockedError) return EXIT.usage;
    return error.code === 'MIA_INFRA' ? EXIT.failed : EXIT.usage;
  }
  err(
    `internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\nPlease report it with the command you ran.\n`,
  );
  return EXIT.failed;
}
