// Trial: N `wait for: 0s` steps in a wide DAG (10 layers), run by the engine with the durable log.
// Usage: node in-process.mjs <steps>
// Reports the run's time, steps/s and the process's peak RSS (VmHWM).

import { rmSync } from 'node:fs';
import { report } from '../lib/child.mjs';
import { buildLayeredDag } from '../lib/dag.mjs';
import { buildResolvedWorkflow, runResolved } from '../lib/engine.mjs';
import { readPeakRssMb } from '../lib/stats.mjs';

const count = Number(process.argv[2]);
const layers = 10;
const steps = buildLayeredDag({ layers, width: Math.ceil(count / layers) }).slice(0, count);
const { workspace, workflow } = buildResolvedWorkflow({
  name: 'wait-dag',
  steps,
  concurrency: undefined,
  stepBody: () => ({ action: 'wait', with: { for: '0s' } }),
});
const baseRssMb = await readPeakRssMb();
const result = await runResolved(workspace, workflow);
if (result.status !== 'completed') throw new Error(`the run ${result.status}`);
const peakRssMb = await readPeakRssMb();
rmSync(workspace, { recursive: true, force: true });
report({
  steps: count,
  runMs: result.runMs,
  stepsPerSecond: count / (result.runMs / 1000),
  baseRssMb,
  peakRssMb,
});
