// The plan of a resolved workflow: topological levels, order, critical path and dependents (pure).

import type { DirectedGraph } from 'graphology';
import { topologicalGenerations } from 'graphology-dag';
import { DefinitionError, type DefinitionProblem, type SourcePosition } from '../errors.js';
import { checkGraph, type DependencyLocator, type GraphStep } from './graph.js';

/** How a workflow's steps can run. */
export interface Plan {
  /** Topological generations: each level's steps can run once the levels above are done. */
  levels: string[][];
  /** A topological order (level by level, definition order within a level). */
  order: string[];
  /** The longest chain of dependent steps (by step count; ties go to definition order). */
  criticalPath: string[];
  /** For each step, the steps that depend on it directly (definition order). */
  dependents: Map<string, string[]>;
}

/** A plan, or every problem of the graph (see checkGraph) when it is not a DAG. */
export type PlanResult =
  | { plan: Plan; problems: [] }
  | { plan: undefined; problems: DefinitionProblem[] };

/** Plans a resolved workflow; throws DefinitionError if its graph is not a DAG. */
export function buildPlan(workflow: { steps: readonly GraphStep[] }): Plan {
  const result = checkPlan(workflow.steps);
  if (result.plan === undefined) throw new DefinitionError(result.problems);
  return result.plan;
}

/** Checks the steps' graph and plans it, building the graph once; problems are positioned as in checkGraph. */
export function checkPlan(
  steps: readonly GraphStep[],
  positions?: ReadonlyMap<string, SourcePosition> | DependencyLocator,
): PlanResult {
  const { graph, problems } = checkGraph(steps, positions);
  if (problems.length > 0) return { plan: undefined, problems };
  return { plan: planGraph(steps, graph), problems: [] };
}

function planGraph(steps: readonly GraphStep[], graph: DirectedGraph): Plan {
  const rank = new Map(steps.map((step, index) => [step.id, index]));
  const byRank = (a: string, b: string) => (rank.get(a) ?? 0) - (rank.get(b) ?? 0);
  const levels = topologicalGenerations(graph).map((level) => [...level].sort(byRank));
  const order = levels.flat();

  const dependents = new Map<string, string[]>(steps.map((step) => [step.id, []]));
  for (const step of steps) {
    for (const dep of step.dependsOn) dependents.get(dep)?.push(step.id);
  }

  // Longest chain ending at each step; the earliest-defined dependency wins a tie.
  const length = new Map<string, number>();
  const previous = new Map<string, string>();
  const dependsOn = new Map(steps.map((step) => [step.id, [...step.dependsOn].sort(byRank)]));
  for (const id of order) {
    let best = 0;
    for (const dep of dependsOn.get(id) ?? []) {
      const candidate = length.get(dep) ?? 0;
      if (candidate > best) {
        best = candidate;
        previous.set(id, dep);
      }
    }
    length.set(id, best + 1);
  }
  let end: string | undefined;
  for (const step of steps) {
    if (end === undefined || (length.get(step.id) ?? 0) > (length.get(end) ?? 0)) end = step.id;
  }
  const criticalPath: string[] = [];
  for (let id = end; id !== undefined; id = previous.get(id)) criticalPath.unshift(id);

  return { levels, order, criticalPath, dependents };
}

/**
 * Every step downstream of the given ones (those that depend on them, directly or not),
 * the given steps included: what must run again when they do.
 */
export function getDownstream(
  stepIds: Iterable<string>,
  dependents: ReadonlyMap<string, readonly string[]>,
): Set<string> {
  const result = new Set<string>();
  const stack = [...stepIds];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (result.has(id)) continue;
    result.add(id);
    stack.push(...(dependents.get(id) ?? []));
  }
  return result;
}
