// Finds workflows by name or file: the workspace's .mia/workflows/ first, then the built-in templates.

import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { formatProblem, UsageError, WorkflowNotFoundError } from '../errors.js';
import { isWorkflowName } from '../util/names.js';
import { formatSuggestion } from '../util/suggest.js';
import { TEMPLATES_DIR } from './package-paths.js';
import {
  getBuiltTemplateSummaries,
  matchTemplateSummary,
  pickSummary,
  type WorkflowSummary,
} from './template-summaries.js';
import type { DefinitionSource } from './types.js';

const EXTENSIONS = ['.yaml', '.yml'] as const;

/** The workspace's own workflows folder. */
export function getWorkspaceWorkflowsDir(workspace: string): string {
  return join(workspace, '.mia', 'workflows');
}

/** True when `ref` names a file (ends in .yaml or .yml) rather than a workflow. */
export function isFileRef(ref: string): boolean {
  return EXTENSIONS.some((extension) => ref.toLowerCase().endsWith(extension));
}

/**
 * Finds a workflow: a `.yaml`/`.yml` ref is a file (relative to the workspace);
 * anything else must be a workflow name, found in the workspace before the templates.
 * Throws UsageError for a ref that is neither, WorkflowNotFoundError when nothing matches.
 */
export async function findWorkflow(ref: string, workspace: string): Promise<DefinitionSource> {
  if (ref.includes('\0'))
    throw new UsageError(`The workflow ${JSON.stringify(ref)} contains a NUL character.`);
  if (isFileRef(ref)) {
    const path = resolve(workspace, ref);
    if (await isFile(path)) return { kind: 'file', path };
    throw new WorkflowNotFoundError(
      `Workflow file not found: ${ref} (looked at ${path}).`,
      'Check the path: a relative path is read from the workspace directory (-C/--cwd).',
    );
  }
  assertWorkflowName(ref);
  const found =
    (await findNamed(getWorkspaceWorkflowsDir(workspace), ref, 'workspace')) ??
    (await findTemplate(ref));
  if (found !== undefined) return found;
  const names = [...new Set((await listWorkflowFiles(workspace)).map((entry) => entry.name))];
  throw new WorkflowNotFoundError(
    `No workflow named "${ref}".${formatSuggestion(ref, names)} Available: ${names.join(', ') || 'none'}.`,
    'Run `mia workflow ls` to see every workflow, or `mia workflow init <template>` to start from a template.',
  );
}

/** A built-in template by name, or undefined. */
export async function findTemplate(name: string): Promise<DefinitionSource | undefined> {
  assertWorkflowName(name);
  return findNamed(TEMPLATES_DIR, name, 'template');
}

/** Refuses anything that is not a workflow name (so never a path: `../x`, `/etc`, `a%2Fb`). */
export function assertWorkflowName(name: string): void {
  if (isWorkflowName(name)) return;
  const looksLikePath = /[/\\]/.test(name) || name.startsWith('.');
  throw new UsageError(
    `${JSON.stringify(name)} is not a workflow name: names are lowercase letters, digits and dashes, starting with a letter or digit.`,
    looksLikePath
      ? 'To run a file, give its path ending in .yaml or .yml.'
      : 'Run `mia workflow ls` to see the available names.',
  );
}

/** One workflow as listed by `mia workflow ls`. */
export interface WorkflowListing {
  name: string;
  kind: 'template' | 'workspace';
  path: string;
  /** A workspace workflow with the name of a built-in template (it replaces it). */
  overrides: boolean;
  extends?: string;
  narrative?: string;
  description?: string;
  /** Why the file could not be read, when it could not. */
  error?: string;
}

/**
 * Every workflow of the workspace and every template, sorted by name (workspace before template).
 * A broken file is listed with an `error` rather than failing the listing.
 */
export async function listWorkflows(workspace: string): Promise<WorkflowListing[]> {
  const files = await listWorkflowFiles(workspace);
  const templateNames = new Set(files.filter((f) => f.kind === 'template').map((f) => f.name));
  const listings = await Promise.all(
    files.map(async (entry): Promise<WorkflowListing> => {
      const listing: WorkflowListing = {
        ...entry,
        overrides: entry.kind === 'workspace' && templateNames.has(entry.name),
      };
      if (!isWorkflowName(entry.name)) {
        return { ...listing, error: `"${entry.name}" is not a valid workflow name.` };
      }
      const summary = entry.kind === 'template' ? await findBuiltSummary(entry.path) : undefined;
      if (summary !== undefined) return { ...listing, ...summary };
      try {
        // Imported here: a listing of the templates alone needs no YAML parser.
        const { parseWorkflowFile } = await import('./parse.js');
        const parsed = await parseWorkflowFile(entry.path, displayPath(entry.path, workspace));
        const first = parsed.problems[0];
        if (first !== undefined) return { ...listing, error: formatProblem(first) };
        return { ...listing, ...pickSummary(parsed.data) };
      } catch (error) {
        return { ...listing, error: (error as Error).message };
      }
    }),
  );
  // An extending workflow without its own narrative tells the one of its base.
  for (const listing of listings) {
    if (listing.narrative !== undefined || listing.extends === undefined) continue;
    const base =
      listings.find((l) => l.name === listing.extends && l !== listing && l.kind === 'workspace') ??
      listings.find((l) => l.name === listing.extends && l.kind === 'template');
    if (base?.narrative !== undefined) listing.narrative = base.narrative;
  }
  return listings;
}

interface WorkflowFile {
  name: string;
  kind: 'template' | 'workspace';
  path: string;
}

async function listWorkflowFiles(workspace: string): Promise<WorkflowFile[]> {
  const [own, templates] = await Promise.all([
    listDir(getWorkspaceWorkflowsDir(workspace), 'workspace'),
    listDir(TEMPLATES_DIR, 'template'),
  ]);
  return [...own, ...templates].sort(
    (a, b) => a.name.localeCompare(b.name) || (a.kind === 'workspace' ? -1 : 1),
  );
}

async function listDir(dir: string, kind: WorkflowFile['kind']): Promise<WorkflowFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const seen = new Set<string>();
  const files: WorkflowFile[] = [];
  for (const file of names.sort()) {
    const extension = extname(file);
    if (!(EXTENSIONS as readonly string[]).includes(extension)) continue;
    const name = basename(file, extension);
    // x.yaml wins over x.yml, as in findNamed.
    if (seen.has(name)) continue;
    const yaml = `${name}.yaml`;
    const path = join(dir, names.includes(yaml) ? yaml : file);
    seen.add(name);
    files.push({ name, kind, path });
  }
  return files;
}

async function findNamed(
  dir: string,
  name: string,
  kind: DefinitionSource['kind'],
): Promise<DefinitionSource | undefined> {
  for (const extension of EXTENSIONS) {
    const path = join(dir, `${name}${extension}`);
    if (await isFile(path)) return { kind, path };
  }
  return undefined;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** The build's summary of a template file, when the file is still what it was made from. */
async function findBuiltSummary(path: string): Promise<WorkflowSummary | undefined> {
  const bytes = await readFile(path).catch(() => undefined);
  if (bytes === undefined) return undefined;
  return matchTemplateSummary(getBuiltTemplateSummaries(), basename(path), bytes);
}

/** How a file is shown in messages: relative to the workspace when inside it, else absolute. */
export function displayPath(path: string, workspace: string): string {
  const inside = relative(workspace, path);
  return inside !== '' && !inside.startsWith('..') && !isAbsolute(inside) ? inside : path;
}
