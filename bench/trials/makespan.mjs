// Trial: a DAG of `wait` steps whose critical path is known; reports the run's makespan.
// Usage: node makespan.mjs

import { rmSync } from 'node:fs';
import { report } from '../lib/child.mjs';
import { writeWorkflowWorkspace } from '../lib/dag.mjs';
import { runWorkflowInProcess } from '../lib/engine.mjs';

/** 6 layers × 5 steps; durations vary so that one chain is clearly the longest. */
const LAYERS = 6;
const WIDTH = 5;
const steps = [];
for (let layer = 0; layer < LAYERS; layer++) {
  for (let column = 0; column < WIDTH; column++) {
    const dependsOn =
      layer === 0
        ? []
        : [`l${layer - 1}-s${column}`, `l${layer - 1}-s${(column + 2) % WIDTH}`].filter(
            (id, index, all) => all.indexOf(id) === index,
          );
    // 50 to 350 ms, spread so that chains differ.
    const durationMs = 50 + ((layer * 7 + column * 13) % 7) * 50;
    steps.push({ id: `l${layer}-s${column}`, dependsOn, durationMs });
  }
}

const criticalPathMs = findCriticalPathMs(steps);
const workspace = writeWorkflowWorkspace({
  name: 'sleep-dag',
  steps,
  // As many slots as steps: only the scheduler stands between the DAG and its critical path.
  concurrency: steps.length,
  stepBody: (step) => ({ action: 'wait', with: { for: `${step.durationMs}ms` } }),
});
const result = await runWorkflowInProcess(workspace, 'sleep-dag');
if (result.status !== 'completed') throw new Error(`the run ${result.status}`);
rmSync(workspace, { recursive: true, force: true });
report({ steps: steps.length, criticalPathMs, makespanMs: result.runMs });

/** The longest sum of durations along a dependency chain (steps are in topological order). */
function findCriticalPathMs(dag) {
  const finish = new Map();
  for (const step of dag) {
    const start = Math.max(0, ...step.dependsOn.map((dep) => finish.get(dep)));
    finish.set(step.id, start + step.durationMs);
  }
  return Math.max(...finish.values());
}
