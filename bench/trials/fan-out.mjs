// Trial: a run of the dashboard server streamed to WebSocket clients.
// Usage: node fan-out.mjs <none|read|stall> <steps> <clients> [single|batch] [attached|separate]
// `read`: <clients> clients read every event (order, completeness, latency); `stall`: one client
// that stops reading; `none`: no client. `batch`: the clients subscribe with `batch: true`.
// `separate`: the dashboard runs in its own process, following the run's file.
// Reports the run's time and what the clients saw.

import { fileURLToPath } from 'node:url';
import { report } from '../lib/child.mjs';
import { startScript } from '../lib/lines.mjs';

const [mode, steps, clientCount, delivery = 'single', placement = 'attached'] =
  process.argv.slice(2);
const script = (name) => fileURLToPath(new URL(`../fan-out/${name}.mjs`, import.meta.url));

const server = startScript(script('server'), [steps, placement]);
let clients;
try {
  const { url } = await server.next('listening');
  if (mode !== 'none') {
    const count = mode === 'stall' ? 1 : Number(clientCount);
    clients = startScript(script('clients'), [
      url,
      count,
      mode === 'stall' ? 'stall' : 'read',
      delivery,
    ]);
    await clients.next('ready');
  }
  server.send({ type: 'go' });
  const done = await server.next('done');
  if (done.status !== 'completed') throw new Error(`the run ${done.status}`);
  const result = {
    mode,
    delivery,
    placement,
    runMs: done.runMs,
    serverCpuMs: done.cpuMs,
    publishWaitP50Ms: done.publishWaitP50,
    publishWaitP99Ms: done.publishWaitP99,
    events: done.lastSeq,
  };
  if (mode === 'read') {
    const received = await clients.next('received');
    clients.send({ type: 'published', path: done.publishedPath });
    const latency = await clients.next('latency');
    Object.assign(result, {
      clients: Number(clientCount),
      complete: received.complete,
      inOrder: received.inOrder,
      clientsCpuMs: received.cpuMs,
      p50Ms: latency.p50,
      p99Ms: latency.p99,
      maxMs: latency.max,
      fromPublicationP50Ms: latency.fromPublicationP50,
      fromPublicationP99Ms: latency.fromPublicationP99,
    });
  }
  clients?.send({ type: 'stop' });
  server.send({ type: 'stop' });
  report(result);
} finally {
  setTimeout(() => {
    clients?.stop();
    server.stop();
  }, 5000).unref();
}
