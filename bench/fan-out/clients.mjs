// The fan-out clients: N WebSockets subscribed to every run of the dashboard; `read` clients check
// that they get every event once, in order, and time each arrival; a `stall` client stops reading.
// `batch` subscribes with `batch: true` (events come in `{type:"events"}` messages).
// Usage: node clients.mjs <url> <count> <read|stall> [single|batch]
// Messages: → ready, → received (read mode), ← published {path}, → latency

import { readFileSync } from 'node:fs';
import { WebSocket } from 'ws';
import { createInbox, readCpuMs, readMonotonicMs, say } from '../lib/lines.mjs';

const [pageUrl, countText, mode, delivery = 'single'] = process.argv.slice(2);
const isBatched = delivery === 'batch';
const count = Number(countText);
const inbox = createInbox();
const url = new URL(pageUrl);
const socketUrl = `ws://${url.host}/api/ws/narrative?token=${url.searchParams.get('token')}`;
// The event JSON starts {"v":…,"id":"…","seq":N,"type":"…": the clients read those bytes only,
// without decoding or parsing the rest, so that 100 clients in one process keep up with the server
// (the events of this run carry no "seq" of their own in their payload).
const SEQ = Buffer.from('"seq":');
const TYPE = '"type":"';
const BATCH = Buffer.from('{"type":"events"');

const clients = await Promise.all(Array.from({ length: count }, () => connect()));
say({ type: 'ready' });
const cpuAtReady = process.cpuUsage();
if (mode === 'read') {
  await Promise.all(clients.map((client) => client.finished));
  say({
    type: 'received',
    complete: clients.filter((c) => c.isComplete).length,
    inOrder: clients.filter((c) => c.isInOrder).length,
    cpuMs: readCpuMs(cpuAtReady),
  });
  const { path } = await inbox.next('published');
  const { writtenAt, publishedAt } = JSON.parse(readFileSync(path, 'utf8'));
  const fromWrite = measureLatencies(writtenAt);
  const fromPublication = measureLatencies(publishedAt);
  say({
    type: 'latency',
    samples: fromWrite.length,
    p50: pick(fromWrite, 0.5),
    p99: pick(fromWrite, 0.99),
    max: fromWrite.at(-1),
    fromPublicationP50: pick(fromPublication, 0.5),
    fromPublicationP99: pick(fromPublication, 0.99),
  });
}
await inbox.next('stop');
for (const client of clients) client.socket.terminate();
process.exit(0);

function connect() {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(socketUrl, { perMessageDeflate: false, skipUTF8Validation: true });
    const client = {
      socket,
      receivedAt: new Float64Array(1_000_000),
      lastSeq: 0,
      isInOrder: true,
      isComplete: false,
      finished: undefined,
    };
    let finish;
    client.finished = new Promise((done) => {
      finish = done;
    });
    socket.on('error', reject);
    socket.on('close', () => finish());
    socket.on('open', () =>
      socket.send(
        JSON.stringify({
          type: 'subscribe',
          channel: 'workflow:*',
          ...(isBatched && { batch: true }),
        }),
      ),
    );
    const receive = (seq, type, at) => {
      client.receivedAt[seq] = at;
      if (seq !== client.lastSeq + 1) client.isInOrder = false;
      client.lastSeq = seq;
      if (type === 'workflow.completed') {
        client.isComplete = client.isInOrder;
        finish();
      }
    };
    socket.on('message', (data) => {
      const at = readMonotonicMs();
      const isBatch = data.subarray(0, BATCH.length).equals(BATCH);
      let found = false;
      for (let offset = data.indexOf(SEQ); offset >= 0; offset = data.indexOf(SEQ, offset + 1)) {
        const head = data.toString('latin1', offset + SEQ.length, offset + SEQ.length + 80);
        const seqEnd = head.indexOf(',');
        const typeStart = seqEnd + 1 + TYPE.length;
        receive(
          Number(head.slice(0, seqEnd)),
          head.slice(typeStart, head.indexOf('"', typeStart)),
          at,
        );
        found = true;
        if (!isBatch) break;
      }
      if (!found && data.includes('"type":"subscribed"')) {
        if (mode === 'stall') socket.pause();
        resolve(client);
      }
    });
  });
}

/** Every client's arrival time of every event minus `since[seq]`, sorted. */
function measureLatencies(since) {
  const latencies = new Float64Array(clients.reduce((sum, c) => sum + c.lastSeq, 0));
  let index = 0;
  for (const client of clients) {
    for (let seq = 1; seq <= client.lastSeq; seq++) {
      latencies[index++] = client.receivedAt[seq] - since[seq];
    }
  }
  return latencies.sort();
}

/** The value at fraction `q` of sorted `values`. */
function pick(values, q) {
  return values[Math.min(values.length - 1, Math.floor(q * values.length))];
}
