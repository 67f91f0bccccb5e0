// The step DAG: built with graphology, checked for unknown dependencies, self-dependencies and cycles.

import { DirectedGraph } from 'graphology';
import { hasCycle } from 'graphology-dag';
import type { DefinitionProblem, SourcePosition } from '../errors.js';
import { formatSuggestion } from '../util/suggest.js';

/** What the graph needs of a step. */
export interface GraphStep {
  id: string;
  dependsOn: readonly string[];
}

/** Position of a step's `depends_on` entry (by its index), or undefined when unknown. */
export type DependencyLocator = (stepId: string, index: number) => SourcePosition | undefined;

/** Most cycles named in full; more are summarised in one line. */
const MAX_CYCLES = 20;
/** Bound on the search for cycles, so a hostile graph cannot stall validation. */
const SEARCH_BUDGET = 200_000;
/** Unknown dependencies given a "did you mean" (each costs a pass over every step id). */
const MAX_SUGGESTIONS = 50;

/**
 * The DAG as a graphology graph: one node per step (definition order), an edge from each
 * dependency to its dependent. Unknown dependencies, self-dependencies and repeated ids are left out.
 */
export function buildGraph(steps: readonly GraphStep[]): DirectedGraph {
  const graph = new DirectedGraph();
  for (const step of steps) graph.mergeNode(step.id);
  for (const step of steps) {
    for (const dep of step.dependsOn) {
      if (dep !== step.id && graph.hasNode(dep)) graph.mergeEdge(dep, step.id);
    }
  }
  return graph;
}

/**
 * The graph of the steps (see buildGraph) and every problem it has: unknown dependencies (with "did you mean"), self-dependencies and
 * each cycle named in full (`a -> b -> c -> a`, following depends_on, starting from the cycle's
 * first step in definition order). `positions` gives a step's position, or a depends_on entry's.
 */
export function checkGraph(
  steps: readonly GraphStep[],
  positions?: ReadonlyMap<string, SourcePosition> | DependencyLocator,
): { graph: DirectedGraph; problems: DefinitionProblem[] } {
  const locate: DependencyLocator =
    typeof positions === 'function' ? positions : (id) => positions?.get(id);
  const problems: DefinitionProblem[] = [];
  const push = (message: string, id: string, index: number) => {
    const position = locate(id, index);
    problems.push(position === undefined ? { message } : { message, position });
  };
  const ids = steps.map((step) => step.id);
  const known = new Set(ids);
  let suggestions = 0;
  for (const step of steps) {
    for (const [index, dep] of step.dependsOn.entries()) {
      if (dep === step.id) {
        push(
          `Step "${step.id}" depends on itself: remove "${dep}" from its depends_on.`,
          step.id,
          index,
        );
      } else if (!known.has(dep)) {
        // Suggesting for every one of thousands of unknown names would take minutes.
        const hint = suggestions++ < MAX_SUGGESTIONS ? formatSuggestion(dep, ids) : '';
        push(`Step "${step.id}" depends on unknown step "${dep}".${hint}`, step.id, index);
      }
    }
  }
  const graph = buildGraph(steps);
  if (!hasCycle(graph)) return { graph, problems };
  const { cycles, isComplete } = findCycles(steps);
  const byId = new Map(steps.map((step) => [step.id, step]));
  for (const cycle of cycles) {
    const [first = '', second = ''] = cycle;
    const index = byId.get(first)?.dependsOn.indexOf(second) ?? -1;
    push(
      `Cycle in depends_on: ${cycle.join(' -> ')} (each step waits for the next, so none of them can start).`,
      first,
      index,
    );
  }
  if (!isComplete) {
    problems.push({ message: `More cycles exist than the ${cycles.length} named above.` });
  }
  return { graph, problems };
}

/**
 * The elementary cycles of the depends_on graph, each as [a, b, …, a] where each step depends
 * on the next, starting at its first step in definition order; sorted by that start.
 */
export function findCycles(steps: readonly GraphStep[]): {
  cycles: string[][];
  isComplete: boolean;
} {
  const order = new Map<string, number>();
  for (const [index, step] of steps.entries()) if (!order.has(step.id)) order.set(step.id, index);
  const next = new Map<string, string[]>();
  for (const step of steps) {
    if (next.has(step.id)) continue;
    next.set(
      step.id,
      [...new Set(step.dependsOn)].filter((d) => d !== step.id && order.has(d)),
    );
  }
  const component = findComponents([...order.keys()], next);
  const cycles: string[][] = [];
  let budget = SEARCH_BUDGET;
  for (const [start, startIndex] of order) {
    // Only steps after the start, in its component, that can lead back to it.
    const allowed = (id: string) =>
      component.get(id) === component.get(start) && (order.get(id) ?? -1) > startIndex;
    const stack: [string, number][] = [[start, 0]];
    const onPath = new Set([start]);
    while (stack.length > 0) {
      const top = stack.at(-1)!;
      const [node, index] = top;
      const dep = next.get(node)?.[index];
      if (dep === undefined) {
        stack.pop();
        onPath.delete(node);
        continue;
      }
      top[1] = index + 1;
      budget -= 1;
      if (budget < 0) return { cycles, isComplete: false };
      if (dep === start) {
        if (cycles.length === MAX_CYCLES) return { cycles, isComplete: false };
        cycles.push([...stack.map(([id]) => id), start]);
      } else if (allowed(dep) && !onPath.has(dep)) {
        stack.push([dep, 0]);
        onPath.add(dep);
      }
    }
  }
  return { cycles, isComplete: true };
}

/** Strongly connected components (Kosaraju, iterative): node → component number. */
function findComponents(nodes: readonly string[], next: ReadonlyMap<string, string[]>) {
  const finished: string[] = [];
  const visited = new Set<string>();
  for (const root of nodes) {
    if (visited.has(root)) continue;
    visited.add(root);
    const stack: [string, number][] = [[root, 0]];
    while (stack.length > 0) {
      const top = stack.at(-1)!;
      const [node, index] = top;
      const child = next.get(node)?.[index];
      if (child === undefined) {
        stack.pop();
        finished.push(node);
      } else {
        top[1] = index + 1;
        if (!visited.has(child)) {
          visited.add(child);
          stack.push([child, 0]);
        }
      }
    }
  }
  const reverse = new Map<string, string[]>(nodes.map((node) => [node, []]));
  for (const [node, deps] of next) for (const dep of deps) reverse.get(dep)?.push(node);
  const component = new Map<string, number>();
  for (const root of finished.reverse()) {
    if (component.has(root)) continue;
    const label = component.size;
    component.set(root, label);
    const stack = [root];
    while (stack.length > 0) {
      for (const prev of reverse.get(stack.pop()!) ?? []) {
        if (!component.has(prev)) {
          component.set(prev, label);
          stack.push(prev);
        }
      }
    }
  }
  return component;
}
