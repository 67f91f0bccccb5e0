// Scenario 7: a cache hit vs running the step (`sleep 1`), measured in the same trial.

import { runTrial } from '../lib/child.mjs';
import { median } from '../lib/stats.mjs';
import { formatMs } from '../lib/table.mjs';

const TARGET_RATIO = 20;

/** Runs the trial `runs` times; the medians of the step's time, missed and hit, and their ratio. */
export async function measureCache({ runs, progress }) {
  const samples = [];
  while (samples.length < runs) {
    const result = await runTrial('cache');
    samples.push(result);
    progress(
      `cache, run ${samples.length}/${runs}: ran in ${formatMs(result.miss.stepMs)}, reused in ${formatMs(result.hit.stepMs)}`,
    );
  }
  const missMs = median(samples.map((s) => s.miss.stepMs));
  // A hit within the clock's millisecond counts as 1 ms: the ratio is never divided by zero.
  const hitMs = Math.max(1, median(samples.map((s) => s.hit.stepMs)));
  const ratio = missMs / hitMs;
  return {
    samples,
    rows: [
      {
        figure:
          '7. Step cache: a step of `sleep 1` (1 MiB output, 50 input files) reused vs run, in the engine',
        value: formatMs(hitMs),
        baseline: `${formatMs(missMs)} (run)`,
        ratio,
        target: `≥ ${TARGET_RATIO}× faster`,
        met: ratio >= TARGET_RATIO,
      },
      {
        figure: '7. Step cache: the whole `mia workflow run`, reused vs run (reference)',
        value: formatMs(median(samples.map((s) => s.hit.wallMs))),
        baseline: `${formatMs(median(samples.map((s) => s.miss.wallMs)))} (run)`,
        ratio: median(samples.map((s) => s.miss.wallMs)) / median(samples.map((s) => s.hit.wallMs)),
      },
    ],
  };
}
