// Scenario 5: 100 WebSocket clients follow a run of ~20,000 events through the dashboard server,
// one event per message (the default) and in batches (`batch: true`); and a client that stops
// reading must not slow the run.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runTrial } from '../lib/child.mjs';
import { median } from '../lib/stats.mjs';
import { formatCount, formatMs } from '../lib/table.mjs';

/** 5,000 `wait` steps: 4 events each, plus the run's own (20,004 events). */
const STEPS = 5000;
const CLIENTS = 100;
const TARGET_P99_MS = 50;
const TARGET_STALL_RATIO = 1.1;
const SERVER = fileURLToPath(new URL('../../dist/server/standalone.js', import.meta.url));

/** The trials of one round: [sample name, trial mode, delivery, where the dashboard runs]. */
const TRIALS = [
  ['none', 'none', 'single', 'attached'],
  ['stall', 'stall', 'single', 'attached'],
  ['read', 'read', 'single', 'attached'],
  ['readBatch', 'read', 'batch', 'attached'],
  ['readBatchSeparate', 'read', 'batch', 'separate'],
];

/**
 * Runs with no client, one stalled client, 100 reading clients one event per message and 100 in
 * batches (with the dashboard in the run's process, then in its own), in turn, `runs` times.
 */
export async function measureFanOut({ runs, progress }) {
  if (!existsSync(SERVER)) {
    return {
      samples: [],
      rows: [
        {
          figure: '5. Fan-out: 100 WebSocket clients',
          value: 'not measured: the server is not built',
        },
      ],
    };
  }
  const samples = Object.fromEntries(TRIALS.map(([name]) => [name, []]));
  for (let i = 0; i < runs; i++) {
    for (const [name, mode, delivery, placement] of TRIALS) {
      const result = await runTrial('fan-out', [mode, STEPS, CLIENTS, delivery, placement]);
      samples[name].push(result);
      progress(
        `fan-out ${name} run ${i + 1}/${runs}: ${formatMs(result.runMs)}${mode === 'read' ? `, ${result.complete}/${result.clients} clients complete and in order, p50 ${formatMs(result.p50Ms)}, p99 ${formatMs(result.p99Ms)}; CPU: run process ${formatMs(result.serverCpuMs)}, clients ${formatMs(result.clientsCpuMs)}; write to publication p50 ${formatMs(result.publishWaitP50Ms)}, p99 ${formatMs(result.publishWaitP99Ms)}` : ''}`,
      );
    }
  }
  const events = samples.read[0].events;
  const none = median(samples.none.map((r) => r.runMs));
  const stall = median(samples.stall.map((r) => r.runMs));
  const single = summarizeReads(samples.read);
  const batched = summarizeReads(samples.readBatch);
  const separate = summarizeReads(samples.readBatchSeparate);
  const label = `${CLIENTS} WebSocket clients, ${formatCount(events)} events`;
  return {
    samples,
    rows: [
      ...readRows(`5. Fan-out (${label})`, '5. Fan-out', single),
      {
        figure: '5. Fan-out: run time with one client that stops reading vs none',
        value: formatMs(stall),
        baseline: `${formatMs(none)} (no client)`,
        ratio: stall / none,
        target: `≤ ${TARGET_STALL_RATIO}×`,
        met: stall / none <= TARGET_STALL_RATIO,
      },
      {
        figure: `5. Fan-out: run time with ${CLIENTS} reading clients vs none (reference)`,
        value: formatMs(single.runMs),
        baseline: `${formatMs(none)} (no client)`,
        ratio: single.runMs / none,
      },
      ...readRows('5. Fan-out, batched (`batch: true`)', '5. Fan-out, batched', batched),
      {
        figure: `5. Fan-out, batched: run time with ${CLIENTS} reading clients vs none (reference)`,
        value: formatMs(batched.runMs),
        baseline: `${formatMs(none)} (no client)`,
        ratio: batched.runMs / none,
      },
      {
        figure: `5. Fan-out, batched, the dashboard in its own process (as \`mia dashboard\`): run time with ${CLIENTS} clients (latency p50 ${formatMs(separate.p50)}, p99 ${formatMs(separate.p99)}${separate.isEveryEventInOrder ? '' : '; NOT every event in order'}) (reference)`,
        value: formatMs(separate.runMs),
        baseline: `${formatMs(none)} (no client)`,
        ratio: separate.runMs / none,
      },
    ],
  };
}

/** Medians of the `read` trials of one delivery, and whether every client got every event. */
function summarizeReads(reads) {
  return {
    isEveryEventInOrder: reads.every((r) => r.complete === r.clients && r.inOrder === r.clients),
    p50: median(reads.map((r) => r.p50Ms)),
    p99: median(reads.map((r) => r.p99Ms)),
    fromPublicationP50: median(reads.map((r) => r.fromPublicationP50Ms)),
    fromPublicationP99: median(reads.map((r) => r.fromPublicationP99Ms)),
    runMs: median(reads.map((r) => r.runMs)),
  };
}

/** The order and latency rows of one delivery. */
function readRows(title, prefix, reads) {
  return [
    {
      figure: `${title}: every client gets every event, in order`,
      value: reads.isEveryEventInOrder ? 'yes, in every run' : 'NO',
      target: 'all, in order',
      met: reads.isEveryEventInOrder,
    },
    {
      figure: `${prefix}: delivery latency from the event's write, p99 (p50 ${formatMs(reads.p50)}; from its publication p50 ${formatMs(reads.fromPublicationP50)}, p99 ${formatMs(reads.fromPublicationP99)})`,
      value: formatMs(reads.p99),
      target: `≤ ${TARGET_P99_MS} ms`,
      met: reads.p99 <= TARGET_P99_MS,
    },
  ];
}
