// Scenario 3: a DAG of sleeps finishes within 5% of its critical path.

import { runTrial } from '../lib/child.mjs';
import { median } from '../lib/stats.mjs';
import { formatMs } from '../lib/table.mjs';

const TARGET_RATIO = 1.05;

/** Runs the sleep DAG `runs` times; compares the median makespan with the critical path. */
export async function measureMakespan({ runs, progress }) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const result = await runTrial('makespan');
    samples.push(result);
    progress(
      `sleep DAG run ${i + 1}/${runs}: ${formatMs(result.makespanMs)} (critical path ${formatMs(result.criticalPathMs)})`,
    );
  }
  const makespan = median(samples.map((s) => s.makespanMs));
  const [{ criticalPathMs, steps }] = samples;
  return {
    samples,
    rows: [
      {
        figure: `3. Makespan: ${steps} \`wait\` steps (50–350 ms), 6 layers, whole run`,
        value: formatMs(makespan),
        baseline: `${formatMs(criticalPathMs)} (critical path)`,
        ratio: makespan / criticalPathMs,
        target: `≤ ${TARGET_RATIO}×`,
        met: makespan / criticalPathMs <= TARGET_RATIO,
      },
    ],
  };
}
