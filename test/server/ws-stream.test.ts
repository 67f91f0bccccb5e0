// Events on the narrative socket: replay from `since` then live without gaps or repeats, order per
// run, many clients at once, slow clients cut off without slowing the run, other processes' runs.

import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createBuiltinRegistry } from '../../src/actions/builtin.js';
import { loadWorkflow } from '../../src/definition/load.js';
import { runChapter } from '../../src/engine/chapters.js';
import { executeRun } from '../../src/engine/lifecycle/execute-run.js';
import { startRun } from '../../src/engine/lifecycle/start-run.js';
import { createWorkspace, startMia } from '../helpers/cli.js';
import { parseRunId, readRunEvents } from '../helpers/run-files.js';
import {
  appendLogEvents,
  createRunLog,
  isMessage,
  range,
  seqsOf,
  useStreamingServer,
} from './helpers.js';

const { start, connect } = useStreamingServer();

describe('narrative socket streaming', () => {
  it('replays from `since` while the run is still appending, then goes live: no gap, no repeat', async () => {
    const { port, token, workspace } = await start();
    const log = await createRunLog(workspace, 'run-busy');
    appendLogEvents(log, 300);
    const client = await connect(port, token);
    // The writer appends until 20 batches after the replay has ended, however long it takes.
    let isReplayed = false;
    const writer = (async () => {
      for (let after = 0, batch = 0; after < 20 && batch < 100_000; batch += 1) {
        appendLogEvents(log, 20);
        await yieldToLoop();
        if (isReplayed) after += 1;
      }
      await log.close();
    })();
    const seqAtSubscribe = log.lastSeq;
    client.send({ type: 'subscribe', channel: 'workflow:run-busy', since: 120 });
    await client.waitFor(isMessage('replayed'));
    isReplayed = true;
    // Events were appended while the replay ran.
    expect(log.lastSeq).toBeGreaterThan(seqAtSubscribe);
    await writer;
    await client.waitForSeq('run-busy', log.lastSeq);
    expect(seqsOf(client.events('run-busy'))).toEqual(range(121, log.lastSeq));
    const replayed = client.messages.find(isMessage('replayed'));
    expect(replayed).toMatchObject({ channel: 'workflow:run-busy', since: 120 });
  });

  it('replays a long history to a client that reads it, however large, without cutting it off', async () => {
    const { port, token, workspace } = await start();
    const log = await createRunLog(workspace, 'run-long');
    appendLogEvents(log, 2500, `${'x'.repeat(8000)}\n`);
    await log.close();
    const client = await connect(port, token);
    client.send({ type: 'subscribe', channel: 'workflow:run-long', since: 0 });
    await client.waitFor(isMessage('replayed'));
    expect(seqsOf(client.events('run-long'))).toEqual(range(1, 2501));
    client.send({ type: 'ping' });
    await client.waitFor(isMessage('pong'));
  });

  it('answers a replay with the events above `since` and a count, for one run or all of them', async () => {
    // Written before the server starts: none of it reaches the client live, only by replay.
    const workspace = await createWorkspace();
    for (const runId of ['run-one', 'run-two']) {
      const log = await createRunLog(workspace, runId);
      appendLogEvents(log, 4);
      await log.close();
    }
    const { port, token } = await start({ workspace });
    const client = await connect(port, token);
    client.send({ type: 'replay', channel: 'workflow:run-one', since: 2 });
    await client.waitFor(isMessage('replayed'));
    expect(seqsOf(client.events('run-one'))).toEqual([3, 4, 5]);
    client.send({ type: 'replay', channel: 'workflow:*', since: 3 });
    await client.waitFor(isMessage('replayed'), 2);
    expect(seqsOf(client.events('run-two'))).toEqual([4, 5]);
    expect(client.messages.filter(isMessage('replayed'))).toEqual([
      { type: 'replayed', channel: 'workflow:run-one', since: 2, count: 3 },
      { type: 'replayed', channel: 'workflow:*', since: 3, count: 4 },
    ]);
  });

  it('keeps each run in seq order on workflow:* while runs write at once', async () => {
    const { port, token, workspace } = await start();
    const client = await connect(port, token);
    client.send({ type: 'subscribe', channel: 'workflow:*' });
    await client.waitFor(isMessage('subscribed'));
    const logs = await Promise.all(
      ['run-x', 'run-y', 'run-z'].map((id) => createRunLog(workspace, id)),
    );
    for (let round = 0; round < 50; round += 1) {
      for (const log of logs) appendLogEvents(log, 1 + (round % 3));
      await yieldToLoop();
    }
    for (const log of logs) {
      await log.close();
      await client.waitForSeq(log.runId, log.lastSeq);
      expect(seqsOf(client.events(log.runId))).toEqual(range(1, log.lastSeq));
    }
  });

  it('gives every one of 200 concurrent clients every event of a run, in order', async () => {
    const { port, token, workspace } = await start();
    const many = await Promise.all(range(1, 200).map(() => connect(port, token)));
    for (const client of many) client.send({ type: 'subscribe', channel: 'workflow:run-crowd' });
    await Promise.all(many.map((client) => client.waitFor(isMessage('subscribed'))));
    const log = await createRunLog(workspace, 'run-crowd');
    for (let batch = 0; batch < 10; batch += 1) {
      appendLogEvents(log, 15);
      await yieldToLoop();
    }
    await log.close();
    await Promise.all(many.map((client) => client.waitForSeq('run-crowd', log.lastSeq)));
    for (const client of many) {
      expect(seqsOf(client.events('run-crowd'))).toEqual(range(1, log.lastSeq));
    }
  });

  it('cuts off a client that stops reading while the run writes at full speed, and the run completes', async () => {
    const workspace = await createWorkspace({
      // Forty steps print 1 MB each (the events carry up to 1 MiB of a step's output).
      loud: `name: loud
narrative: "Steps say a great deal"
steps:
${Array.from(
  { length: 40 },
  (_, i) =>
    `  - { id: shout${i}, action: shell, with: { run: "head -c 1000000 /dev/zero | tr '\\\\0' x | fold -w 1000" } }\n`,
).join('')}`,
    });
    // A bound well above what a reading client lags by (it shares this busy process), and well
    // below the 40 MB the steps print, which the client that stops reading leaves unread.
    const { port, token, server } = await start({
      workspace,
      socket: { maxBufferedBytes: 16 * 1024 * 1024 },
    });
    const slow = await connect(port, token);
    const fast = await connect(port, token);
    for (const client of [slow, fast]) client.send({ type: 'subscribe', channel: 'workflow:*' });
    await Promise.all([slow, fast].map((client) => client.waitFor(isMessage('subscribed'))));
    slow.tcp.pause();

    const registry = createBuiltinRegistry();
    const loaded = await loadWorkflow('loud', { workspace, registry });
    const handle = await startRun({ workspace, loaded, inputs: {}, concurrency: undefined });
    const detach = server.module.attachLog(handle.events);
    const result = await executeRun(handle, {
      registry,
      runChapter,
      signal: new AbortController().signal,
    });
    detach();
    expect(result.status).toBe('completed');

    const total = handle.events.lastSeq;
    await fast.waitForSeq(handle.runId, total);
    expect(seqsOf(fast.events(handle.runId))).toEqual(range(1, total));
    slow.tcp.resume();
    expect((await slow.closed).code).toBe(1006);
    expect(slow.events(handle.runId).length).toBeLessThan(total);
    expect(seqsOf(slow.events(handle.runId))).toEqual(range(1, slow.events(handle.runId).length));
  });

  it('streams the events of a run started by another mia process', async () => {
    const workspace = await createWorkspace({
      steady: `name: steady
narrative: "Three steps, one after another"
steps:
  - { id: one, action: shell, with: { run: "echo one" } }
  - { id: two, action: shell, depends_on: [one], with: { run: "echo two" } }
  - { id: three, action: shell, depends_on: [two], with: { run: "echo three" } }
`,
    });
    const { port, token } = await start({ workspace });
    const client = await connect(port, token);
    client.send({ type: 'subscribe', channel: 'workflow:*' });
    await client.waitFor(isMessage('subscribed'));
    const child = startMia(['workflow', 'run', 'steady'], { cwd: workspace });
    const result = await child;
    expect(result.exitCode, String(result.stderr)).toBe(0);
    const runId = parseRunId(String(result.stdout));
    const events = await readRunEvents(workspace, runId);
    await client.waitForSeq(runId, events.length);
    expect(seqsOf(client.events(runId))).toEqual(range(1, events.length));
    expect(client.events(runId).at(-1)?.type).toBe('workflow.completed');
  });
});
