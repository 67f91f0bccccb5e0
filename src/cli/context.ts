// What every command needs: the workspace it works in, the action registry, and the terminal.

import { existsSync, statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { ActionRegistry } from '../actions/registry.js';
import { UsageError } from '../errors.js';
import type { EventLogFs } from '../store/event-log.js';
import type { Io } from '../terminal/io.js';
import { stripControlSequences } from '../util/terminal-text.js';

/** What a program embedding the CLI may replace: the seams tests inject faults through. */
export interface CliSeams {
  /** The event logs' file layer (default node:fs); a test entry crashes the process through it. */
  eventLogFs?: EventLogFs | undefined;
}

export interface CommandContext {
  io: Io;
  workspace: string;
  /** The file layer of the event logs of the runs this command starts or resumes. */
  eventLogFs: EventLogFs | undefined;
  /** Built-in actions plus the workspace's custom ones (loaded on first use; problems warned). */
  getRegistry(): Promise<ActionRegistry>;
}

/** Resolves `-C/--cwd` (default: the current directory). */
export function createCommandContext(
  io: Io,
  cwd: string | undefined,
  seams: CliSeams = {},
): CommandContext {
  const workspace = resolve(cwd ?? process.cwd());
  if (!existsSync(workspace) || !statSync(workspace).isDirectory()) {
    throw new UsageError(
      `The workspace "${workspace}" is not a directory.`,
      'Pass an existing directory to -C/--cwd.',
    );
  }
  let registry: Promise<ActionRegistry> | undefined;
  return {
    io,
    workspace,
    eventLogFs: seams.eventLogFs,
    getRegistry: () => {
      registry ??= buildRegistry(io, workspace);
      return registry;
    },
  };
}

async function buildRegistry(io: Io, workspace: string): Promise<ActionRegistry> {
  // Imported here, not above: commands that need no action (ls, status, --version) load none.
  const [{ createBuiltinRegistry }, { loadCustomActions }] = await Promise.all([
    import('../actions/builtin.js'),
    import('../actions/custom.js'),
  ]);
  const registry = createBuiltinRegistry();
  const custom = await loadCustomActions(workspace, new Set(registry.names()));
  for (const adapter of custom.adapters) registry.register(adapter);
  for (const problem of custom.problems) {
    io.err(
      `warning: custom action ${relative(workspace, problem.file)} is not loaded: ${stripControlSequences(problem.message)}\n`,
    );
  }
  return registry;
}
