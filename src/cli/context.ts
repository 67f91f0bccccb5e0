// What every command needs: the workspace it works in, the action registry, and the terminal.

import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { createBuiltinRegistry } from '../actions/builtin.js';
import type { ActionRegistry } from '../actions/registry.js';
import { UsageError } from '../errors.js';
import type { Io } from './io.js';

export interface CommandContext {
  io: Io;
  workspace: string;
  registry: ActionRegistry;
}

/** Resolves `-C/--cwd` (default: the current directory) and builds the registry. */
export function createCommandContext(io: Io, cwd: string | undefined): CommandContext {
  const workspace = resolve(cwd ?? process.cwd());
  if (!existsSync(workspace) || !statSync(workspace).isDirectory()) {
    throw new UsageError(
      `The workspace "${workspace}" is not a directory.`,
      'Pass an existing directory to -C/--cwd.',
    );
  }
  return { io, workspace, registry: createBuiltinRegistry() };
}
