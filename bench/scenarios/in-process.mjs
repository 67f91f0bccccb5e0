// Scenario 2: `wait for: 0s` steps in a wide DAG: throughput and peak RSS, and how both grow.

import { runTrial } from '../lib/child.mjs';
import { median } from '../lib/stats.mjs';
import { formatCount, formatMs } from '../lib/table.mjs';

const SIZES = [1000, 10_000, 50_000];
const TARGET_STEPS_PER_SECOND = 5000;
const TARGET_PEAK_RSS_MB = 300;
/** Growth is linear when a step costs at 50,000 steps at most this much more than at 10,000. */
const LINEAR_SLACK = 1.5;

/** Each size `runs` times (sizes in turn), in a fresh process each; medians per size. */
export async function measureInProcess({ runs, progress }) {
  const samples = new Map(SIZES.map((size) => [size, []]));
  for (let i = 0; i < runs; i++) {
    for (const size of SIZES) {
      const result = await runTrial('in-process', [size]);
      samples.get(size).push(result);
      progress(
        `${formatCount(size)} wait steps run ${i + 1}/${runs}: ${formatMs(result.runMs)}, ${formatCount(result.stepsPerSecond)} steps/s, peak RSS ${result.peakRssMb.toFixed(0)} MB`,
      );
    }
  }
  const at = new Map(
    SIZES.map((size) => {
      const list = samples.get(size);
      return [
        size,
        {
          runMs: median(list.map((r) => r.runMs)),
          stepsPerSecond: median(list.map((r) => r.stepsPerSecond)),
          peakRssMb: median(list.map((r) => r.peakRssMb)),
          // What the run added to the process: the definition and modules are there before.
          runRssMb: median(list.map((r) => r.peakRssMb - r.baseRssMb)),
        },
      ];
    }),
  );
  const small = at.get(10_000);
  const large = at.get(50_000);
  const timeGrowth = large.runMs / 50_000 / (small.runMs / 10_000);
  const memoryGrowth = large.runRssMb / 50_000 / (small.runRssMb / 10_000);
  const each = (pick) => SIZES.map((size) => `${size / 1000}k: ${pick(at.get(size))}`).join(' · ');
  return {
    samples: Object.fromEntries(samples),
    rows: [
      {
        figure: '2. In-process steps: 10,000 `wait for: 0s`, wide DAG, durable log',
        value: `${formatCount(small.stepsPerSecond)} steps/s`,
        target: `≥ ${formatCount(TARGET_STEPS_PER_SECOND)} steps/s`,
        met: small.stepsPerSecond >= TARGET_STEPS_PER_SECOND,
      },
      {
        figure: '2. In-process steps: peak RSS at 10,000 steps',
        value: `${small.peakRssMb.toFixed(0)} MB`,
        target: `≤ ${TARGET_PEAK_RSS_MB} MB`,
        met: small.peakRssMb <= TARGET_PEAK_RSS_MB,
      },
      {
        figure: `2. Growth of time per step, 10k → 50k (${each((r) => `${formatCount(r.stepsPerSecond)}/s`)})`,
        value: `${((large.runMs / 50_000) * 1000).toFixed(0)} µs/step`,
        baseline: `${((small.runMs / 10_000) * 1000).toFixed(0)} µs/step at 10k`,
        ratio: timeGrowth,
        target: `≤ ${LINEAR_SLACK}× (linear)`,
        met: timeGrowth <= LINEAR_SLACK,
      },
      {
        figure: `2. Growth of run memory per step, 10k → 50k (peak RSS ${each((r) => `${r.peakRssMb.toFixed(0)} MB`)})`,
        value: `${((large.runRssMb / 50_000) * 1024).toFixed(1)} KB/step`,
        baseline: `${((small.runRssMb / 10_000) * 1024).toFixed(1)} KB/step at 10k`,
        ratio: memoryGrowth,
        target: `≤ ${LINEAR_SLACK}× (linear)`,
        met: memoryGrowth <= LINEAR_SLACK,
      },
    ],
  };
}
