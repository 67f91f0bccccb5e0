// The mia narrative channel's rules on the socket: a client that never subscribes gets every event
// but log lines, its first subscribe narrows it, `stc:` channels carry chart events, messages sent
// before `auth` wait for it, and `replay` after an event id crosses runs in time order.

import { appendFile, mkdir, utimes } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  type EventPayloads,
  type EventType,
  getTraceId,
  type MiaEvent,
} from '../../src/events/types.js';
import { getEventsPath } from '../../src/store/paths.js';
import { createWorkspace } from '../helpers/cli.js';
import {
  appendLogEvents,
  createRunLog,
  getEventsIn,
  isMessage,
  TestClient,
  useStreamingServer,
} from './helpers.js';

const { start, connect } = useStreamingServer();

/** One event as another process writes it: a unique id, the given channel and second. */
function makeEvent<T extends EventType>(
  runId: string,
  seq: number,
  second: number,
  type: T,
  payload: EventPayloads[T],
  channel = `workflow:${runId}`,
): MiaEvent {
  const timestamp = new Date(Date.UTC(2026, 11, 2, 9, 0, second)).toISOString();
  const traceId = getTraceId(runId);
  const id = `${runId}-${seq}`;
  return { v: 2, id, seq, type, channel, runId, traceId, timestamp, payload } as MiaEvent;
}

const started = (workspace: string) => ({
  workflow: 'demo',
  narrative: 'The demo reaches its end',
  inputs: {},
  steps: [],
  source: { kind: 'workspace' as const, path: `${workspace}/.mia/workflows/demo.yaml` },
  workspace,
  concurrency: 1,
  pid: 4242,
});
const stepStarted = { stepId: 'a', universe: 'engineer', action: 'shell', attempt: 1 } as const;
const logLine = { stepId: 'a', stream: 'stdout', text: 'line\n' } as const;
const chart = { chartId: 'run', title: 'demo', completedSteps: 1, totalSteps: 2, percent: 50 };

/** Appends events to a run's events.jsonl the way another `mia` process would. */
async function writeEvents(workspace: string, events: MiaEvent[]): Promise<void> {
  const path = getEventsPath(workspace, events[0]?.runId ?? '');
  await mkdir(dirname(path), { recursive: true });
  await appendFile(path, events.map((event) => `${JSON.stringify(event)}\n`).join(''));
}

/** Connects as the mia extensions do: no token in the request, then an `auth` message. */
async function connectByMessage(port: number, token: string): Promise<TestClient> {
  const client = await TestClient.connect(port);
  client.send({ type: 'auth', token });
  await client.waitFor(isMessage('auth'));
  return client;
}

describe('the mia narrative channel rules', () => {
  it('sends a client that never subscribes every event of every run, except step log lines', async () => {
    const { port, token, workspace } = await start();
    const client = await connectByMessage(port, token);
    for (const runId of ['run-one', 'run-two']) {
      const log = await createRunLog(workspace, runId);
      appendLogEvents(log, 3);
      log.append('workflow.completed', { durationMs: 3 });
      await log.close();
    }
    await client.waitForSeq('run-one', 5);
    await client.waitForSeq('run-two', 5);
    for (const runId of ['run-one', 'run-two']) {
      expect(client.events(runId).map((event) => [event.seq, event.type])).toEqual([
        [1, 'workflow.started'],
        [5, 'workflow.completed'],
      ]);
    }
    client.close();
  });

  it("narrows a client to its channels from its first subscribe; stc: carries a run's chart events in either channel form", async () => {
    const { port, token, workspace } = await start();
    const clients = new Map<string, TestClient>();
    for (const channel of ['stc:*', 'stc:run-chart', 'workflow:run-chart', 'workflow:*']) {
      const client = await connect(port, token);
      client.send({ type: 'subscribe', channel });
      await client.waitFor(isMessage('subscribed'));
      clients.set(channel, client);
    }
    await writeEvents(workspace, [
      makeEvent('run-chart', 1, 1, 'workflow.started', started(workspace)),
      makeEvent('run-chart', 2, 2, 'workflow.step.started', stepStarted),
      makeEvent('run-chart', 3, 3, 'workflow.step.log', logLine),
      makeEvent('run-chart', 4, 4, 'chart.progress', chart),
      makeEvent('run-chart', 5, 5, 'workflow.completed', { durationMs: 1 }),
      makeEvent('run-chart', 6, 6, 'chart.progress', chart, 'stc:run-chart'),
    ]);
    const seqsFor = async (channel: string) => {
      const client = clients.get(channel) as TestClient;
      await client.waitForSeq('run-chart', 6);
      return client.events('run-chart').map((event) => event.seq);
    };
    expect(await seqsFor('stc:*')).toEqual([4, 6]);
    expect(await seqsFor('stc:run-chart')).toEqual([4, 6]);
    expect(await seqsFor('workflow:run-chart')).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await seqsFor('workflow:*')).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('gives a client authenticated in its request each run in seq order when it subscribes with since at once, while the run writes', async () => {
    const { port, token, workspace, server } = await start();
    const log = await createRunLog(workspace, 'run-busy');
    // Attached, as in `mia workflow run --dashboard`: each event goes out as soon as it is written.
    const detach = server.module.attachLog(log);
    let isDone = false;
    const writer = (async () => {
      // Events the broadcast carries (log lines it does not).
      while (!isDone) {
        for (let i = 0; i < 5; i += 1) log.append('workflow.step.started', stepStarted);
        await yieldToLoop();
      }
    })();
    const client = await TestClient.connect(port, { token });
    client.send({ type: 'subscribe', channel: 'workflow:*', since: 0 });
    await client.waitFor(isMessage('replayed'));
    isDone = true;
    await writer;
    await log.close();
    detach();
    await client.waitForSeq('run-busy', log.lastSeq);
    const seqs = client.events('run-busy').map((event) => event.seq);
    expect(seqs).toEqual(Array.from({ length: log.lastSeq }, (_, index) => index + 1));
    client.close();
  });

  it('gives the broadcast to a client authenticated in its request that sends nothing', async () => {
    const { port, token, workspace } = await start();
    const client = await TestClient.connect(port, { token });
    await client.waitFor(isMessage('auth'));
    const log = await createRunLog(workspace, 'run-quiet');
    log.append('workflow.completed', { durationMs: 1 });
    await log.close();
    await client.waitForSeq('run-quiet', 2);
    expect(client.events('run-quiet').map((event) => event.type)).toEqual([
      'workflow.started',
      'workflow.completed',
    ]);
    client.close();
  });

  it('holds what a client sends before its auth message, and answers it, in order, once authenticated', async () => {
    const { port, token, workspace } = await start();
    const client = await TestClient.connect(port);
    client.send({ type: 'subscribe', channel: 'workflow:*' });
    client.send({ type: 'ping' });
    client.send({ type: 'auth', token });
    await client.waitFor(isMessage('pong'));
    expect(client.messages).toEqual([
      { type: 'auth', status: 'ok' },
      { type: 'subscribed', channel: 'workflow:*' },
      { type: 'pong' },
    ]);
    const log = await createRunLog(workspace, 'run-held');
    appendLogEvents(log, 1);
    await log.close();
    await client.waitForSeq('run-held', 2);
    client.close();
  });

  it('replays what came after an event id across runs, in time order, without log lines', async () => {
    const workspace = await createWorkspace();
    // Two runs whose events alternate in time: run-a at odd seconds, run-b at even ones.
    await writeEvents(workspace, [
      makeEvent('run-a', 1, 1, 'workflow.started', started(workspace)),
      makeEvent('run-a', 2, 3, 'workflow.step.started', stepStarted),
      makeEvent('run-a', 3, 5, 'chart.progress', chart),
      makeEvent('run-a', 4, 7, 'workflow.completed', { durationMs: 6 }),
    ]);
    await writeEvents(workspace, [
      makeEvent('run-b', 1, 2, 'workflow.started', started(workspace)),
      makeEvent('run-b', 2, 4, 'workflow.step.started', stepStarted),
      makeEvent('run-b', 3, 6, 'workflow.step.log', logLine),
      makeEvent('run-b', 4, 8, 'workflow.completed', { durationMs: 6 }),
    ]);
    const { port, token } = await start({ workspace });
    const client = await connectByMessage(port, token);
    client.send({ type: 'replay', since: 'run-a-2' });
    const [replayed] = await client.waitFor(isMessage('replayed'));
    expect(replayed).toEqual({ type: 'replayed', channel: null, since: 'run-a-2', count: 4 });
    expect(client.events().map((event) => event.id)).toEqual([
      'run-b-2',
      'run-a-3',
      'run-a-4',
      'run-b-4',
    ]);
    client.close();
  });

  it('replays the last 200 events for an event id no log holds', async () => {
    const workspace = await createWorkspace();
    const events = [makeEvent('run-long', 1, 0, 'workflow.started', started(workspace))];
    for (let seq = 2; seq <= 250; seq += 1) {
      events.push(makeEvent('run-long', seq, seq, 'workflow.step.started', stepStarted));
    }
    await writeEvents(workspace, events);
    const { port, token } = await start({ workspace });
    const client = await connectByMessage(port, token);
    client.send({ type: 'replay', since: 'an-id-from-another-server' });
    await client.waitFor(isMessage('replayed'));
    const seqs = client.messages.flatMap(getEventsIn).map((event) => event.seq);
    expect(seqs).toEqual(Array.from({ length: 200 }, (_, index) => 51 + index));
    client.close();
  });

  it('reads only the newest logs to replay the last 200 events: an older damaged log is never read', async () => {
    const workspace = await createWorkspace();
    const events = [makeEvent('run-new', 1, 0, 'workflow.started', started(workspace))];
    for (let seq = 2; seq <= 250; seq += 1) {
      events.push(makeEvent('run-new', seq, seq, 'workflow.step.started', stepStarted));
    }
    await writeEvents(workspace, events);
    // A run last written long before: a damaged line between two events.
    const old = getEventsPath(workspace, 'run-old');
    await writeEvents(workspace, [
      makeEvent('run-old', 1, 0, 'workflow.started', started(workspace)),
    ]);
    await appendFile(
      old,
      `not an event\n${JSON.stringify(makeEvent('run-old', 2, 1, 'workflow.step.started', stepStarted))}\n`,
    );
    await utimes(old, new Date('2001-01-01T00:00:00Z'), new Date('2001-01-01T00:00:00Z'));
    const { port, token } = await start({ workspace });
    const client = await connectByMessage(port, token);
    // An id no log holds, and one that is a piece of every line of JSON.
    for (const since of ['an-id-of-a-deleted-run', '"']) {
      client.messages.length = 0;
      client.send({ type: 'replay', since });
      const [replayed] = await client.waitFor(isMessage('replayed'));
      expect(replayed).toMatchObject({ count: 200 });
      expect(client.messages.filter(isMessage('error'))).toEqual([]);
      expect(client.events().map((event) => event.seq)).toEqual(
        Array.from({ length: 200 }, (_, index) => 51 + index),
      );
    }
    client.close();
  });
});
