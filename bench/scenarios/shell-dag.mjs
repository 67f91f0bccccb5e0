// Scenario 1: a 500-step DAG of `true` with concurrency 2: the engine, a bare Node loop (also in a
// process as large as the engine's), and make -j2; all three spawn the engine's default shell.

import { runTrial } from '../lib/child.mjs';
import { median } from '../lib/stats.mjs';
import { formatMs } from '../lib/table.mjs';

const LAYERS = 10;
const WIDTH = 50;
const CONCURRENCY = 2;
const TARGET_RATIO = 1.3;

/** Runs the three contestants in turn, `runs` times each; compares the medians. */
export async function measureShellDag({ runs, progress }) {
  const samples = { engine: [], node: [], 'node-loaded': [], make: [] };
  let shell = 'sh';
  for (let i = 0; i < runs; i++) {
    for (const mode of Object.keys(samples)) {
      const trial = await runTrial('shell-dag', [mode, LAYERS, WIDTH, CONCURRENCY]);
      const { ms } = trial;
      shell = trial.shell;
      samples[mode].push(ms);
      progress(`shell DAG ${mode} run ${i + 1}/${runs}: ${formatMs(ms)}`);
    }
  }
  const engine = median(samples.engine);
  const node = median(samples.node);
  const make = median(samples.make);
  const loaded = median(samples['node-loaded']);
  const label = `${LAYERS * WIDTH} steps of \`true\` in ${shell}, 10 layers × 50, -j${CONCURRENCY}`;
  return {
    samples,
    rows: [
      {
        figure: `1. Shell DAG (${label}): engine vs bare Node loop`,
        value: formatMs(engine),
        baseline: `${formatMs(node)} (Node loop)`,
        ratio: engine / node,
        target: `≤ ${TARGET_RATIO}×`,
        met: engine / node <= TARGET_RATIO,
      },
      {
        figure: '1. Shell DAG: bare Node loop in a process the size of the engine (reference)',
        value: formatMs(loaded),
        baseline: `${formatMs(node)} (Node loop)`,
        ratio: loaded / node,
      },
      {
        figure: '1. Shell DAG: engine vs make -j2 (reference)',
        value: formatMs(engine),
        baseline: `${formatMs(make)} (make)`,
        ratio: engine / make,
      },
    ],
  };
}
