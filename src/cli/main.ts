// The `mia` command: builds the commander program from the command table, parses argv into a
// command, runs it, and turns the outcome into an exit code.

import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { DefinitionError, MiaError, RunLockedError } from '../errors.js';
import type { Io } from '../terminal/io.js';
import { stripControlSequences } from '../util/terminal-text.js';
import { COMMANDS, type CommandSpec, GROUPS } from './command-table.js';
import { type CliSeams, type CommandContext, createCommandContext } from './context.js';
import { EXIT } from './exit-codes.js';
import { createProcessIo } from './io.js';
import { ARGUMENTS, OPTIONS, type OptionName } from './options.js';

const packageJson = JSON.parse(
  readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
) as {
  version: string;
};

/**
 * Runs the CLI with the given arguments (without `node` and the script); resolves to the exit
 * code. `seams` replace what tests inject faults through (see CliSeams).
 */
export async function main(
  argv: string[],
  io: Io = createProcessIo(),
  seams: CliSeams = {},
): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = buildProgram(io, seams, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    return reportError(io, error);
  }
}

/** The commander program of the command table: every command, argument and option it declares. */
function buildProgram(io: Io, seams: CliSeams, setExit: (code: number) => void): Command {
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
  const groups = new Map<string, Command>();
  const findParent = (path: CommandSpec['path']): Command => {
    if (path.length === 1) return program;
    const [name] = path;
    let group = groups.get(name);
    if (group === undefined) {
      group = program.command(name).description(GROUPS[name] ?? '');
      groups.set(name, group);
    }
    return group;
  };
  for (const spec of COMMANDS) {
    const command = findParent(spec.path)
      .command(spec.path[spec.path.length - 1] as string)
      .description(spec.description);
    for (const name of spec.arguments) {
      command.argument(ARGUMENTS[name].syntax, ARGUMENTS[name].description);
    }
    for (const name of spec.options) command.addOption(createOption(name));
    command.action(async (...values: unknown[]) => {
      // Commander passes the arguments, then the options, then the command itself.
      const options = values.at(-2);
      const cwd = command.optsWithGlobals<{ cwd?: string }>().cwd;
      const ctx = createCommandContext(io, cwd, seams);
      const run = spec.run as (ctx: CommandContext, ...rest: unknown[]) => Promise<number>;
      setExit(await run(ctx, ...values.slice(0, spec.arguments.length), options));
    });
  }
  return program;
}

/** A commander option from its declaration in OPTIONS: `--allow-remote` for allowRemote. */
function createOption(name: OptionName): Option {
  const spec: {
    description: string;
    short?: string;
    argument?: string;
    parse?(value: string, previous: unknown): unknown;
    default?: unknown;
    negated?: true;
  } = OPTIONS[name];
  const kebab = name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
  // A negated flag (`--no-cache`) sets its option to false; commander defaults it to true.
  const long = `--${spec.negated ? 'no-' : ''}${kebab}`;
  const flags = [spec.short, spec.argument === undefined ? long : `${long} ${spec.argument}`];
  const option = new Option(flags.filter(Boolean).join(', '), spec.description);
  if (spec.parse) option.argParser(spec.parse);
  if (spec.default !== undefined) option.default(spec.default);
  return option;
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
