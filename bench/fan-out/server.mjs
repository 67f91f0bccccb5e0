// The fan-out server: the dashboard server (as `mia dashboard`) and, on `go`, one run of `wait`
// steps whose events it streams (attached as `mia workflow run --dashboard` does). With
// `separate`, the dashboard runs in a process of its own and follows the run's file instead.
// Usage: node server.mjs <steps> [attached|separate]   Messages: → listening, ← go, → done, ← stop

import { once } from 'node:events';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDashboardServer } from '../../dist/server/standalone.js';
import { buildLayeredDag } from '../lib/dag.mjs';
import { buildResolvedWorkflow } from '../lib/engine.mjs';
import { createInbox, readCpuMs, readMonotonicMs, say, startScript } from '../lib/lines.mjs';
import { percentile } from '../lib/stats.mjs';

const { createBuiltinRegistry } = await import('../../dist/actions/builtin.js');
const { planWorkflow } = await import('../../dist/definition/loaded-workflow.js');
const { runChapter } = await import('../../dist/engine/chapters.js');
const { executeRun } = await import('../../dist/engine/lifecycle/execute-run.js');
const { startRun } = await import('../../dist/engine/lifecycle/start-run.js');

const count = Number(process.argv[2]);
const isSeparate = process.argv[3] === 'separate';
const inbox = createInbox();
const { workspace, workflow } = buildResolvedWorkflow({
  name: 'fan-out',
  steps: buildLayeredDag({ layers: 10, width: count / 10 }),
  concurrency: undefined,
  stepBody: () => ({ action: 'wait', with: { for: '0s' } }),
});
const server = isSeparate
  ? startSeparateDashboard(workspace)
  : await startDashboardServer({ workspace, port: 0 });
say({ type: 'listening', url: isSeparate ? (await server.next('listening')).url : server.url });

await inbox.next('go');
const registry = createBuiltinRegistry();
const cpuAtStart = process.cpuUsage();
const start = performance.now();
const loaded = planWorkflow(workflow);
const handle = await startRun({ workspace, loaded, inputs: {}, concurrency: undefined });
// When each event was written: latency counts from the write (the first event, written by
// startRun, from its publication). The wait from write to publication (an fsync for durable
// events and those behind them) is reported on its own.
const writtenAt = [];
const publishedAt = [];
const append = handle.events.append.bind(handle.events);
handle.events.append = (type, payload) => {
  const event = append(type, payload);
  writtenAt[event.seq] = readMonotonicMs();
  return event;
};
handle.events.subscribe((event) => {
  publishedAt[event.seq] = readMonotonicMs();
  writtenAt[event.seq] ??= publishedAt[event.seq];
});
const detach = isSeparate ? () => {} : server.module.attachLog(handle.events);
const result = await executeRun(handle, {
  registry,
  runChapter,
  signal: new AbortController().signal,
});
const runMs = performance.now() - start;
const cpuMs = readCpuMs(cpuAtStart);
detach();
const publishedPath = join(workspace, 'published.json');
writeFileSync(publishedPath, JSON.stringify({ writtenAt, publishedAt }));
const publishWaits = writtenAt
  .slice(1)
  .map((at, index) => publishedAt[index + 1] - at)
  .filter(Number.isFinite);
say({
  type: 'done',
  status: result.status,
  runMs,
  cpuMs,
  publishWaitP50: percentile(publishWaits, 50),
  publishWaitP99: percentile(publishWaits, 99),
  lastSeq: handle.events.lastSeq,
  publishedPath,
});

await inbox.next('stop');
if (isSeparate) {
  server.send({ type: 'stop' });
  await once(server.child, 'exit');
} else await server.close();
rmSync(workspace, { recursive: true, force: true });
process.exit(0);

/** `bench/fan-out/dashboard.mjs` on the workspace, in a process of its own. */
function startSeparateDashboard(workspace) {
  return startScript(fileURLToPath(new URL('dashboard.mjs', import.meta.url)), [workspace]);
}
