// Benchmark DAGs: layered graphs of steps, written as workflow YAML or as plain dependency lists.

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A layered DAG: `layers` layers of `width` steps; every step after the first layer depends on
 * `fanIn` steps of the layer before (its own column and the next ones, wrapping around).
 * Returns the steps in layer order, each `{ id, dependsOn }`.
 */
export function buildLayeredDag({ layers, width, fanIn = 2 }) {
  const steps = [];
  for (let layer = 0; layer < layers; layer++) {
    for (let column = 0; column < width; column++) {
      const dependsOn = [];
      if (layer > 0) {
        for (let k = 0; k < Math.min(fanIn, width); k++) {
          dependsOn.push(stepId(layer - 1, (column + k) % width));
        }
      }
      steps.push({ id: stepId(layer, column), dependsOn });
    }
  }
  return steps;
}

function stepId(layer, column) {
  return `l${layer}-s${column}`;
}

/**
 * Writes `.mia/workflows/<name>.yaml` into a new temporary workspace and returns its path.
 * `stepBody(step)` gives each step's action and `with`; without `concurrency`, the default applies.
 */
export function writeWorkflowWorkspace({ name, steps, concurrency, stepBody }) {
  const workspace = mkdtempSync(join(tmpdir(), 'mia-bench-'));
  const dir = join(workspace, '.mia', 'workflows');
  mkdirSync(dir, { recursive: true });
  const lines = [
    `name: ${name}`,
    'narrative: "The benchmark runs to its end"',
    ...(concurrency === undefined ? [] : [`concurrency: ${concurrency}`]),
    'steps:',
  ];
  for (const step of steps) {
    const body = stepBody(step);
    lines.push(`  - id: ${step.id}`);
    lines.push(`    action: ${body.action}`);
    if (step.dependsOn.length > 0) lines.push(`    depends_on: [${step.dependsOn.join(', ')}]`);
    lines.push(`    with: ${JSON.stringify(body.with)}`);
  }
  writeFileSync(join(dir, `${name}.yaml`), `${lines.join('\n')}\n`);
  return workspace;
}
