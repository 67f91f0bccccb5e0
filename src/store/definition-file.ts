// A run's recorded definition (`<run-dir>/definition.json`): written when the run starts or is
// resumed from its files, read back on resume to skip parsing and checking unchanged files.

import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LoadedWorkflow } from '../definition/loaded-workflow.js';
import { serializeDefinitionRecord } from '../definition/record.js';
import { getProcessMasker } from '../util/secrets.js';
import { getRunDir } from './paths.js';

const DEFINITION_FILE = 'definition.json';

/**
 * Records the run's definition, when it was loaded from files and holds no secret of this
 * process's environment (nor credentials in a URL). Only a shortcut for resume: a
 * failure to write it (or a torn file, which does not parse) costs a full load, never the run.
 */
export async function writeDefinitionFile(
  workspace: string,
  runId: string,
  loaded: LoadedWorkflow,
): Promise<void> {
  const text = serializeDefinitionRecord(loaded);
  // Files under .mia/ hold no secret; a record that would need masking is not kept (masked, it
  // would no longer be the definition).
  if (text === undefined || getProcessMasker().mask(text) !== text) return;
  const path = join(getRunDir(workspace, runId), DEFINITION_FILE);
  const partial = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(partial, text);
    await rename(partial, path);
  } catch {
    await rm(partial, { force: true }).catch(() => undefined);
  }
}

/** The recorded definition of a run as parsed JSON, or undefined when there is none readable. */
export async function readDefinitionFile(workspace: string, runId: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(join(getRunDir(workspace, runId), DEFINITION_FILE), 'utf8'));
  } catch {
    return undefined;
  }
}
