// Loads a workflow: lookup, parse, schema, extends, step and graph checks, resolve; all problems at once.

import { basename, extname } from 'node:path';
import type { ActionRegistry } from '../actions/registry.js';
import { DefinitionError, type DefinitionProblem } from '../errors.js';
import { checkPlan } from '../plan/plan.js';
import { checkShells } from './check-shell.js';
import { checkSteps } from './check-steps.js';
import { asRecord, collectExtendsChain, type DefinitionLayer, mergeLayers } from './extends.js';
import { findChapterCycles } from './includes.js';
import type { LoadedWorkflow } from './loaded-workflow.js';
import { displayPath, findWorkflow } from './lookup.js';
import { parseWorkflowFile } from './parse.js';
import { describeProvenance, reuseDefinitionRecord } from './record.js';
import { resolveWorkflow } from './resolve.js';
import type { DefinitionSource } from './types.js';
import { validateWorkflowSchema } from './validate.js';

export { DEFAULT_RETRY, hashStep, resolveInputs, resolveWorkflow } from './resolve.js';

/** What loading needs: the workspace root and the actions steps may use. */
export interface LoadOptions {
  workspace: string;
  registry: ActionRegistry;
  /** A record of an earlier load (see record.ts), reused when nothing it was made from changed. */
  recorded?: unknown;
}

/**
 * The outcome of checking a definition: the workflow when it is valid, else every problem; and
 * the warnings (valid but likely wrong, such as a value where the shell evaluates it) either way.
 */
export type CheckResult =
  | { loaded: LoadedWorkflow; problems: []; warnings: DefinitionProblem[] }
  | { loaded: undefined; problems: DefinitionProblem[]; warnings: DefinitionProblem[] };

/**
 * Loads a workflow by name or file (see findWorkflow) and resolves it.
 * Throws UsageError or WorkflowNotFoundError for a bad ref, DefinitionError with every problem.
 */
export async function loadWorkflow(ref: string, options: LoadOptions): Promise<LoadedWorkflow> {
  return loadWorkflowSource(await findWorkflow(ref, options.workspace), options);
}

/** Loads an already located definition; throws DefinitionError with every problem. */
export async function loadWorkflowSource(
  source: DefinitionSource,
  options: LoadOptions,
): Promise<LoadedWorkflow> {
  const result = await checkWorkflowSource(source, options);
  if (result.loaded === undefined) throw new DefinitionError(result.problems);
  return result.loaded;
}

/** Checks a workflow by name or file without throwing for its problems (`mia workflow validate`). */
export async function checkWorkflow(ref: string, options: LoadOptions): Promise<CheckResult> {
  return checkWorkflowSource(await findWorkflow(ref, options.workspace), options);
}

/**
 * Every problem of a definition, in one pass: YAML (when the YAML cannot be read nothing else
 * is checked), schema, file name, extends, actions, universes, `with`, expressions, graph.
 * Problems are sorted by file (the workflow's own first), line and column.
 */
export async function checkWorkflowSource(
  source: DefinitionSource,
  options: LoadOptions,
): Promise<CheckResult> {
  // A record that cannot be used, whatever is wrong with it, costs a full load and nothing else.
  const reused =
    options.recorded === undefined
      ? undefined
      : await reuseDefinitionRecord(options.recorded, source, options).catch(() => undefined);
  const result: CheckResult = reused
    ? { loaded: reused, problems: [], warnings: [] }
    : await checkDefinition(source, options);
  if (result.loaded === undefined) return result;
  const loadChapter = async (ref: string) =>
    (await checkDefinition(await findWorkflow(ref, options.workspace), options)).loaded?.workflow;
  const problems = await findChapterCycles(result.loaded.workflow, loadChapter);
  return problems.length > 0 ? { loaded: undefined, problems, warnings: result.warnings } : result;
}

/** Every problem of one definition, not following the workflows it runs as chapters. */
async function checkDefinition(
  source: DefinitionSource,
  options: LoadOptions,
): Promise<CheckResult> {
  const problems: DefinitionProblem[] = [];
  const warnings: DefinitionProblem[] = [];
  const readLayer = async (layerSource: DefinitionSource): Promise<DefinitionLayer> => {
    const file = displayPath(layerSource.path, options.workspace);
    const parsed = await parseWorkflowFile(layerSource.path, file);
    problems.push(...parsed.problems);
    if (parsed.data !== undefined) {
      problems.push(...validateWorkflowSchema(parsed));
      const name = asRecord(parsed.data)?.name;
      const fileName = basename(layerSource.path, extname(layerSource.path));
      if (typeof name === 'string' && name !== fileName) {
        problems.push({
          message: `The workflow is named "${name}" but its file is ${basename(layerSource.path)}: the name must equal the file name. Rename one of them.`,
          position: parsed.locate(['name']),
        });
      }
    }
    return { parsed, source: layerSource };
  };

  const top = await readLayer(source);
  const finish = (): CheckResult => ({
    loaded: undefined,
    problems: sortProblems(problems, top.parsed.file),
    warnings: sortProblems(warnings, top.parsed.file),
  });
  if (top.parsed.data === undefined) return finish();
  const chain = await collectExtendsChain(
    top,
    { workspace: options.workspace, readLayer },
    problems,
  );
  if (chain === undefined) return finish();

  const merged = mergeLayers(chain, problems);
  checkSteps(merged, options.registry, problems);
  checkShells(merged, options.registry, options.workspace, { problems, warnings });
  const graphSteps = merged.steps.map((step) => ({
    id: String(step.data.id),
    dependsOn: Array.isArray(step.data.depends_on)
      ? step.data.depends_on.filter((dep): dep is string => typeof dep === 'string')
      : [],
  }));
  const located = new Map(merged.steps.map((step) => [String(step.data.id), step]));
  // The plan is made here, with the graph the check builds, and kept for whoever runs the workflow.
  const planned = checkPlan(graphSteps, (id, index) =>
    located.get(id)?.locate(index < 0 ? ['depends_on'] : ['depends_on', index]),
  );
  problems.push(...planned.problems);
  if (problems.length > 0 || planned.plan === undefined) return finish();
  const loaded: LoadedWorkflow = {
    workflow: resolveWorkflow(merged, options.registry, source),
    plan: planned.plan,
    provenance: describeProvenance(chain, options.registry),
    isReused: false,
  };
  return { loaded, problems: [], warnings: sortProblems(warnings, top.parsed.file) };
}

/** Problems reported, at most: a hostile file can have hundreds of thousands. */
export const MAX_PROBLEMS = 100;

function sortProblems(problems: DefinitionProblem[], topFile: string): DefinitionProblem[] {
  const rank = (problem: DefinitionProblem) => (problem.position?.file === topFile ? 0 : 1);
  const sorted = problems
    .map((problem, index) => ({ problem, index }))
    .sort((a, b) => {
      const pa = a.problem.position;
      const pb = b.problem.position;
      return (
        rank(a.problem) - rank(b.problem) ||
        (pa?.file ?? '').localeCompare(pb?.file ?? '') ||
        (pa?.line ?? 0) - (pb?.line ?? 0) ||
        (pa?.col ?? 0) - (pb?.col ?? 0) ||
        a.index - b.index
      );
    })
    .map(({ problem }) => problem);
  if (sorted.length <= MAX_PROBLEMS) return sorted;
  const more = sorted.length - MAX_PROBLEMS;
  return [
    ...sorted.slice(0, MAX_PROBLEMS),
    { message: `…and ${more} more problem${more === 1 ? '' : 's'}; fix the ones above first.` },
  ];
}
