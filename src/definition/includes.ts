// Chapters: a workflow may run others through the `workflow` action, but never itself, directly or not.

import type { DefinitionProblem } from '../errors.js';
import type { ResolvedWorkflow } from './types.js';

/** The name of the action that runs another workflow as a chapter. */
export const CHAPTER_ACTION = 'workflow';

/** Loads a referenced workflow without checking its own chapters; undefined when it cannot. */
export type ChapterLoader = (ref: string) => Promise<ResolvedWorkflow | undefined>;

/**
 * Follows every `workflow` step whose `with.workflow` is a fixed name, depth first, and reports
 * each path that comes back to a workflow already on it (`a -> b -> a`). References built from
 * expressions can only be checked when they run.
 */
export async function findChapterCycles(
  workflow: ResolvedWorkflow,
  load: ChapterLoader,
): Promise<DefinitionProblem[]> {
  const problems: DefinitionProblem[] = [];
  const cache = new Map<string, Promise<ResolvedWorkflow | undefined>>();
  /** The first path from `current` that comes back to a workflow already on `path`. */
  const findLoop = async (
    current: ResolvedWorkflow,
    path: string[],
  ): Promise<string[] | undefined> => {
    for (const ref of getChapterRefs(current)) {
      const child = await getCached(cache, ref, load);
      if (!child) continue;
      if (path.includes(child.name)) return [...path, child.name];
      const loop = await findLoop(child, [...path, child.name]);
      if (loop) return loop;
    }
    return undefined;
  };
  for (const step of workflow.steps) {
    const ref = getChapterRef(step.action, step.with);
    if (ref === undefined) continue;
    const child = await getCached(cache, ref, load);
    if (!child) continue;
    const path = [workflow.name, child.name];
    const loop = child.name === workflow.name ? path : await findLoop(child, path);
    if (!loop) continue;
    problems.push({
      message: `Step "${step.id}" runs workflow "${ref}", which leads back to a workflow already running: ${loop.join(' -> ')}. A workflow cannot include itself.`,
      ...(step.position ? { position: step.position } : {}),
    });
  }
  return problems;
}

function getChapterRef(action: string, values: Record<string, unknown>): string | undefined {
  const ref = action === CHAPTER_ACTION ? values.workflow : undefined;
  return typeof ref === 'string' && !ref.includes('${{') ? ref : undefined;
}

function getChapterRefs(workflow: ResolvedWorkflow): string[] {
  return workflow.steps
    .map((step) => getChapterRef(step.action, step.with))
    .filter((ref): ref is string => ref !== undefined);
}

function getCached(
  cache: Map<string, Promise<ResolvedWorkflow | undefined>>,
  ref: string,
  load: ChapterLoader,
): Promise<ResolvedWorkflow | undefined> {
  let pending = cache.get(ref);
  if (!pending) {
    pending = load(ref).catch(() => undefined);
    cache.set(ref, pending);
  }
  return pending;
}
