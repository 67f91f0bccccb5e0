// Custom actions of a workspace: `.mia/actions/<name>.mjs`, each default-exporting an adapter.

import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { UNIVERSES } from '../definition/types.js';
import type { ActionAdapter } from './types.js';

/** A custom action file that could not be used, and why. */
export interface CustomActionProblem {
  file: string;
  message: string;
}

/** The directory of a workspace's custom actions. */
export function getCustomActionsDir(workspace: string): string {
  return join(workspace, '.mia', 'actions');
}

/**
 * Imports every `.mia/actions/*.mjs`. A file that fails to load, or whose export is not an
 * adapter, becomes a problem (it is not registered) instead of stopping the others.
 */
export async function loadCustomActions(
  workspace: string,
  builtinNames: ReadonlySet<string>,
): Promise<{ adapters: ActionAdapter[]; problems: CustomActionProblem[] }> {
  const dir = getCustomActionsDir(workspace);
  let files: string[];
  try {
    files = (await readdir(dir)).filter((file) => file.endsWith('.mjs')).sort();
  } catch {
    return { adapters: [], problems: [] };
  }
  const adapters: ActionAdapter[] = [];
  const problems: CustomActionProblem[] = [];
  for (const file of files) {
    const path = join(dir, file);
    try {
      const module = (await import(pathToFileURL(path).href)) as { default?: unknown };
      adapters.push(checkAdapter(module.default, basename(file, '.mjs'), builtinNames));
    } catch (error) {
      problems.push({
        file: path,
        message: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return { adapters, problems };
}

function checkAdapter(
  value: unknown,
  fileName: string,
  builtinNames: ReadonlySet<string>,
): ActionAdapter {
  const shape =
    'It must default-export { name, universes, schema?, run(ctx), describeOutputs?(outputs) }.';
  if (value === null || typeof value !== 'object')
    throw new Error(`It has no default export object. ${shape}`);
  const adapter = value as Partial<ActionAdapter>;
  if (adapter.name !== fileName) {
    throw new Error(
      `Its name ${JSON.stringify(adapter.name)} must equal the file name "${fileName}".`,
    );
  }
  if (builtinNames.has(fileName)) {
    throw new Error(`"${fileName}" is a built-in action; give the custom action another name.`);
  }
  const universes = adapter.universes;
  if (
    !Array.isArray(universes) ||
    universes.length === 0 ||
    !universes.every((u) => UNIVERSES.includes(u))
  ) {
    throw new Error(`Its universes must be a non-empty list of ${UNIVERSES.join(', ')}.`);
  }
  if (typeof adapter.run !== 'function') throw new Error(`It has no run(ctx) function. ${shape}`);
  if (adapter.describeOutputs !== undefined && typeof adapter.describeOutputs !== 'function') {
    throw new Error(
      `Its describeOutputs is ${typeof adapter.describeOutputs}, not a function: make it describeOutputs(outputs) returning a list of facts (strings), or leave it out.`,
    );
  }
  if (adapter.schema !== undefined) {
    try {
      new Ajv2020({ strict: false }).compile(adapter.schema);
    } catch (error) {
      throw new Error(`Its schema is not a valid JSON Schema: ${(error as Error).message}`);
    }
  }
  return { description: 'A custom action of this workspace.', ...adapter } as ActionAdapter;
}
