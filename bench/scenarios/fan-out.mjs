// Scenario 5: 100 WebSocket clients follow a run of ~20,000 events through the dashboard server;
// and a client that stops reading must not slow the run.

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

/** Runs with no client, one stalled client and 100 reading clients in turn, `runs` times. */
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
  const samples = { none: [], stall: [], read: [] };
  for (let i = 0; i < runs; i++) {
    for (const mode of Object.keys(samples)) {
      const result = await runTrial('fan-out', [mode, STEPS, CLIENTS]);
      samples[mode].push(result);
      progress(
        `fan-out ${mode} run ${i + 1}/${runs}: ${formatMs(result.runMs)}${mode === 'read' ? `, ${result.complete}/${result.clients} clients complete and in order, p50 ${formatMs(result.p50Ms)}, p99 ${formatMs(result.p99Ms)}` : ''}`,
      );
    }
  }
  const read = samples.read;
  const events = read[0].events;
  const isEveryEventInOrder = read.every(
    (r) => r.complete === r.clients && r.inOrder === r.clients,
  );
  const p50 = median(read.map((r) => r.p50Ms));
  const p99 = median(read.map((r) => r.p99Ms));
  const none = median(samples.none.map((r) => r.runMs));
  const stall = median(samples.stall.map((r) => r.runMs));
  const withClients = median(read.map((r) => r.runMs));
  const label = `${CLIENTS} WebSocket clients, ${formatCount(events)} events`;
  return {
    samples,
    rows: [
      {
        figure: `5. Fan-out (${label}): every client gets every event, in order`,
        value: isEveryEventInOrder ? 'yes, in every run' : 'NO',
        target: 'all, in order',
        met: isEveryEventInOrder,
      },
      {
        figure: `5. Fan-out: delivery latency from the event's write, p99 (p50 ${formatMs(p50)})`,
        value: formatMs(p99),
        target: `≤ ${TARGET_P99_MS} ms`,
        met: p99 <= TARGET_P99_MS,
      },
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
        value: formatMs(withClients),
        baseline: `${formatMs(none)} (no client)`,
        ratio: withClients / none,
      },
    ],
  };
}
