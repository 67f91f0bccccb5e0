// The batched feed (`batch: true` on subscribe or replay): the same events, once each and in seq
// order per run, carried by `{type:"events"}` messages; without it, one event per message as before.

import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  appendLogEvents,
  createRunLog,
  isMessage,
  range,
  seqsOf,
  useStreamingServer,
} from './helpers.js';

const servers = useStreamingServer();

async function start(options: Parameters<typeof servers.start>[0] = {}) {
  const started = await servers.start(options);
  return { ...started, connect: () => servers.connect(started.port, started.token) };
}

/** Appends `batches` bursts of `size` log events, yielding to the loop between them. */
async function appendInBursts(log: Awaited<ReturnType<typeof createRunLog>>, batches: number) {
  for (let batch = 0; batch < batches; batch += 1) {
    appendLogEvents(log, 25);
    await yieldToLoop();
  }
}

describe('batched narrative feed', () => {
  it('sends a batched subscriber every event in `events` messages, while a default one gets one per message', async () => {
    const { workspace, connect } = await start();
    const batched = await connect();
    const single = await connect();
    batched.send({ type: 'subscribe', channel: 'workflow:run-mixed', batch: true });
    single.send({ type: 'subscribe', channel: 'workflow:run-mixed' });
    await Promise.all([batched, single].map((c) => c.waitFor(isMessage('subscribed'))));
    const log = await createRunLog(workspace, 'run-mixed');
    await appendInBursts(log, 20);
    await log.close();
    await Promise.all([batched, single].map((c) => c.waitForSeq('run-mixed', log.lastSeq)));

    const batches = batched.messages.filter(isMessage('events'));
    expect(batches.length).toBeGreaterThan(0);
    expect(batches.length).toBeLessThan(log.lastSeq);
    expect(batched.messages.some((m) => 'seq' in m)).toBe(false);
    expect(seqsOf(batched.events('run-mixed'))).toEqual(range(1, log.lastSeq));

    expect(single.messages.some(isMessage('events'))).toBe(false);
    const alone = single.messages.filter((m) => 'seq' in m);
    expect(seqsOf(single.events('run-mixed'))).toEqual(range(1, log.lastSeq));
    expect(alone).toHaveLength(log.lastSeq);
  });

  it('replays from `since` in batches while the run appends, then goes live: no gap, no repeat', async () => {
    const { workspace, connect } = await start();
    const log = await createRunLog(workspace, 'run-busy');
    appendLogEvents(log, 3000);
    const client = await connect();
    const writer = (async () => {
      await appendInBursts(log, 40);
      await log.close();
    })();
    client.send({ type: 'subscribe', channel: 'workflow:run-busy', since: 100, batch: true });
    await client.waitFor(isMessage('replayed'));
    await writer;
    await client.waitForSeq('run-busy', log.lastSeq);
    expect(seqsOf(client.events('run-busy'))).toEqual(range(101, log.lastSeq));
    expect(client.messages.some((m) => 'seq' in m)).toBe(false);
  });

  it('answers a batched replay with `events` messages and the count of events', async () => {
    const { workspace, connect } = await start();
    const log = await createRunLog(workspace, 'run-done');
    appendLogEvents(log, 9);
    await log.close();
    const client = await connect();
    client.send({ type: 'replay', channel: 'workflow:run-done', since: 4, batch: true });
    const [replayed] = await client.waitFor(isMessage('replayed'));
    expect(replayed).toEqual({
      type: 'replayed',
      channel: 'workflow:run-done',
      since: 4,
      count: 6,
    });
    expect(client.messages.filter(isMessage('events'))).toHaveLength(1);
    expect(seqsOf(client.events('run-done'))).toEqual(range(5, 10));
  });

  it('splits a large batch into several messages, keeping seq order across them', async () => {
    const { workspace, connect } = await start();
    const client = await connect();
    client.send({ type: 'subscribe', channel: 'workflow:*', batch: true });
    await client.waitFor(isMessage('subscribed'));
    const log = await createRunLog(workspace, 'run-wide');
    appendLogEvents(log, 400, `${'y'.repeat(2000)}\n`);
    await log.close();
    await client.waitForSeq('run-wide', log.lastSeq);
    expect(client.messages.filter(isMessage('events')).length).toBeGreaterThan(1);
    expect(seqsOf(client.events('run-wide'))).toEqual(range(1, log.lastSeq));
  });

  it('follows the subscription of the run itself over workflow:* when both name a run', async () => {
    const { workspace, connect } = await start();
    const client = await connect();
    client.send({ type: 'subscribe', channel: 'workflow:*', batch: true });
    client.send({ type: 'subscribe', channel: 'workflow:run-own' });
    await client.waitFor(isMessage('subscribed'), 2);
    const own = await createRunLog(workspace, 'run-own');
    const other = await createRunLog(workspace, 'run-other');
    appendLogEvents(own, 5);
    appendLogEvents(other, 5);
    await Promise.all([own.close(), other.close()]);
    await client.waitForSeq('run-own', own.lastSeq);
    await client.waitForSeq('run-other', other.lastSeq);
    const alone = client.messages.filter((m) => 'seq' in m);
    expect(alone.every((m) => 'seq' in m && m.runId === 'run-own')).toBe(true);
    expect(seqsOf(client.events('run-own'))).toEqual(range(1, 6));
    expect(seqsOf(client.events('run-other'))).toEqual(range(1, 6));
  });

  it('cuts off a batched client past its buffer bound; reconnecting with `since` gives the rest, gap-free', async () => {
    const { workspace, connect } = await start({ socket: { maxBufferedBytes: 1024 * 1024 } });
    const slow = await connect();
    slow.send({ type: 'subscribe', channel: 'workflow:run-flood', batch: true });
    await slow.waitFor(isMessage('subscribed'));
    slow.tcp.pause();
    const log = await createRunLog(workspace, 'run-flood');
    // 40 MB: more than the kernel's socket buffers can hold for a client that does not read.
    for (let burst = 0; burst < 200; burst += 1) {
      appendLogEvents(log, 50, `${'z'.repeat(4000)}\n`);
      await yieldToLoop();
    }
    await log.close();
    slow.tcp.resume();
    expect((await slow.closed).code).toBe(1006);
    const seen = seqsOf(slow.events('run-flood'));
    expect(seen).toEqual(range(1, seen.length));
    expect(seen.length).toBeLessThan(log.lastSeq);

    const again = await connect();
    again.send({
      type: 'subscribe',
      channel: 'workflow:run-flood',
      since: seen.length,
      batch: true,
    });
    await again.waitForSeq('run-flood', log.lastSeq);
    expect([...seen, ...seqsOf(again.events('run-flood'))]).toEqual(range(1, log.lastSeq));
  });

  it('refuses a `batch` that is not a boolean, naming both choices', async () => {
    const { connect } = await start();
    const client = await connect();
    client.send({ type: 'subscribe', channel: 'workflow:*', batch: 'yes' });
    const [error] = await client.waitFor(isMessage('error'));
    expect(error).toMatchObject({
      message: expect.stringMatching(/"batch" must be true .* false/),
    });
    expect(client.messages.some(isMessage('subscribed'))).toBe(false);
  });
});
