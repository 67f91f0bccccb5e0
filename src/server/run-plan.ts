// The plan of a recorded run, from the steps its `workflow.started`/`resumed` event lists (pure).

import { hasCycle, topologicalGenerations } from 'graphology-dag';
import type { StartedStep } from '../events/types.js';
import { buildGraph } from '../plan/graph.js';

/** Levels (each runs once the ones above are done) and the longest chain of dependent steps. */
export interface RunPlan {
  levels: string[][];
  criticalPath: string[];
}

/**
 * Plans a run's recorded steps, in definition order within a level; ties of the critical path go
 * to the earliest-defined step. A recorded graph is a DAG (it was validated before the run); if
 * it is not, every step is one level and there is no critical path.
 */
export function planRunSteps(steps: readonly StartedStep[]): RunPlan {
  const graphSteps = steps.map((step) => ({ id: step.id, dependsOn: step.depends_on }));
  const graph = buildGraph(graphSteps);
  if (steps.length === 0) return { levels: [], criticalPath: [] };
  if (hasCycle(graph)) return { levels: [steps.map((step) => step.id)], criticalPath: [] };
  const rank = new Map(steps.map((step, index) => [step.id, index]));
  const byRank = (a: string, b: string) => (rank.get(a) ?? 0) - (rank.get(b) ?? 0);
  const levels = topologicalGenerations(graph).map((level) => [...level].sort(byRank));

  const length = new Map<string, number>();
  const previous = new Map<string, string>();
  for (const id of levels.flat()) {
    let best = 0;
    for (const dep of graph.inNeighbors(id).sort(byRank)) {
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
  return { levels, criticalPath };
}
