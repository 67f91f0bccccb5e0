import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InfrastructureError, MiaError } from '../../src/errors.js';
import { getTraceId, type MiaEvent } from '../../src/events/types.js';
import { EventLog, type EventLogFs } from '../../src/store/event-log.js';
import { readEvents } from '../../src/store/event-reader.js';
import { getEventsPath, getRunDir } from '../../src/store/paths.js';
import { waitUntil } from '../helpers/processes.js';
import {
  completed,
  createControlledFs,
  createErrnoError,
  createWorkspace,
  logLine,
  recordPublished,
} from './helpers.js';

const RUN_ID = '20261123-172200-3f9a1c';

describe('EventLog', () => {
  it('numbers events from 1 and continues the sequence after a reopen', async () => {
    const workspace = await createWorkspace();
    const first = await EventLog.create(workspace, RUN_ID);
    first.append('workflow.step.log', logLine('build', 'hello'));
    first.append('workflow.step.completed', completed('build'));
    await first.close();

    const second = await EventLog.open(workspace, RUN_ID);
    expect(second.history.map((event) => event.seq)).toEqual([1, 2]);
    expect(second.lastSeq).toBe(2);
    const third = second.append('workflow.step.completed', completed('test'));
    await second.close();

    expect(third).toMatchObject({
      v: 2,
      seq: 3,
      type: 'workflow.step.completed',
      channel: `workflow:${RUN_ID}`,
      runId: RUN_ID,
      traceId: getTraceId(RUN_ID),
    });
    expect(second.history[0]?.traceId).toBe(third.traceId);
    const { events } = await readEvents(getEventsPath(workspace, RUN_ID));
    expect(events.map((event) => event.seq)).toEqual([1, 2, 3]);
  });

  it('puts chart progress on the chart channel and every other event on the run channel', async () => {
    const workspace = await createWorkspace();
    const log = await EventLog.create(workspace, RUN_ID);
    const progress = log.append('chart.progress', {
      chartId: RUN_ID,
      title: 'demo',
      completedSteps: 1,
      totalSteps: 2,
      percent: 50,
      action: { id: 'build', title: 'build', completed: true },
    });
    const line = log.append('workflow.step.log', logLine('build', 'hello'));
    await log.close();
    expect(progress.channel).toBe(`stc:${RUN_ID}`);
    expect(line.channel).toBe(`workflow:${RUN_ID}`);
  });

  it('hands listeners each event with its JSON exactly as written to the file', async () => {
    const workspace = await createWorkspace();
    const log = await EventLog.create(workspace, RUN_ID);
    const seen: Array<{ json: Buffer; event: MiaEvent }> = [];
    log.subscribe((event, json) => seen.push({ json, event }));
    log.append('workflow.step.log', logLine('build', 'héllo'));
    log.append('workflow.step.completed', completed('build'));
    await log.close();

    const lines = (await readFile(getEventsPath(workspace, RUN_ID), 'utf8')).trimEnd().split('\n');
    expect(seen.map(({ json }) => json.toString('utf8'))).toEqual(lines);
    for (const { json, event } of seen) expect(JSON.parse(json.toString('utf8'))).toEqual(event);
  });

  it('creates the run folder with its logs folder', async () => {
    const workspace = await createWorkspace();
    const log = await EventLog.create(workspace, RUN_ID);
    await log.close();
    expect((await readdir(getRunDir(workspace, RUN_ID))).sort()).toEqual(['events.jsonl', 'logs']);
  });

  it('refuses to create a run whose event log already exists', async () => {
    const workspace = await createWorkspace();
    await (await EventLog.create(workspace, RUN_ID)).close();
    const error = await EventLog.create(workspace, RUN_ID).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MiaError);
    expect(error).toMatchObject({ code: 'MIA_STORE_RUN_EXISTS' });
  });

  it('publishes a non-durable event at once when nothing durable is pending', async () => {
    const workspace = await createWorkspace();
    const log = await EventLog.create(workspace, RUN_ID);
    const published = recordPublished(log);
    log.append('workflow.step.log', logLine('build', 'hello'));
    expect(published).toEqual([1]);
    await log.close();
  });

  it('publishes a durable event only after its fsync, and holds a later event behind it', async () => {
    const workspace = await createWorkspace();
    const files = createControlledFs({ isSyncHeld: true });
    const log = await EventLog.create(workspace, RUN_ID, { fs: files.fs });
    const published = recordPublished(log);

    log.append('workflow.step.completed', completed('build'));
    log.append('workflow.step.log', logLine('test', 'next'));
    const flushed = log.flush();
    // Only the end of that fsync can publish them: while it is held, nothing is shown.
    expect(await waitUntil(() => files.heldSyncCount === 1)).toBe(true);
    expect(published).toEqual([]);
    const onDisk = (await readFile(log.path, 'utf8')).trim().split('\n');
    expect(onDisk).toHaveLength(2);

    files.releaseSync();
    await flushed;
    expect(published).toEqual([1, 2]);
    await log.close();
  });

  it('shares one fsync among durable appends made in the same tick', async () => {
    const workspace = await createWorkspace();
    const files = createControlledFs();
    const log = await EventLog.create(workspace, RUN_ID, { fs: files.fs });
    const published = recordPublished(log);
    for (let index = 0; index < 10; index += 1) {
      log.append('workflow.step.completed', completed(`step-${index}`));
    }
    await log.flush();
    expect(files.fsyncCalls).toBe(1);
    expect(published).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await log.close();
  });

  it('runs exactly one more fsync for all durable appends made while one is in flight', async () => {
    const workspace = await createWorkspace();
    const files = createControlledFs({ isSyncHeld: true });
    const log = await EventLog.create(workspace, RUN_ID, { fs: files.fs });
    const published = recordPublished(log);

    log.append('workflow.step.completed', completed('a'));
    expect(await waitUntil(() => files.heldSyncCount === 1)).toBe(true);
    // Appends while an fsync is in flight only mark one more as due: none starts before it ends.
    log.append('workflow.step.completed', completed('b'));
    log.append('workflow.step.log', logLine('c', 'text'));
    log.append('workflow.step.completed', completed('c'));
    const flushed = log.flush();
    expect(files.fsyncCalls).toBe(1);

    files.releaseSync();
    expect(await waitUntil(() => files.fsyncCalls === 2)).toBe(true);
    expect(published).toEqual([1]);
    expect(files.heldSyncCount).toBe(1);

    files.releaseSync();
    await flushed;
    expect(published).toEqual([1, 2, 3, 4]);
    expect(files.fsyncCalls).toBe(2);
    await log.close();
  });

  it('throws an InfrastructureError when a write fails with ENOSPC and publishes nothing', async () => {
    const workspace = await createWorkspace();
    const files = createControlledFs();
    const fs: EventLogFs = {
      ...files.fs,
      writeSync: () => {
        throw createErrnoError('ENOSPC', 'no space left on device, write');
      },
    };
    const log = await EventLog.create(workspace, RUN_ID, { fs });
    const published = recordPublished(log);

    const broken = new Promise((resolve) => log.onBroken(resolve));
    const append = (): unknown => log.append('workflow.step.completed', completed('build'));
    expect(append).toThrow(InfrastructureError);
    expect(append).toThrow(/Could not write event 1 \(workflow.step.completed\) to .*ENOSPC/);
    await expect(log.flush()).rejects.toMatchObject({ code: 'MIA_INFRA' });
    await expect(broken).resolves.toBeInstanceOf(InfrastructureError);
    expect(published).toEqual([]);
    await expect(log.close()).rejects.toBeInstanceOf(InfrastructureError);
  });

  it('rejects flush when fsync fails with EIO, never publishes the event, and stays broken', async () => {
    const workspace = await createWorkspace();
    const files = createControlledFs();
    const fs: EventLogFs = {
      ...files.fs,
      fsync: (_fd, callback) => {
        setTimeout(() => callback(createErrnoError('EIO', 'i/o error, fsync')), 1);
      },
    };
    const log = await EventLog.create(workspace, RUN_ID, { fs });
    const published = recordPublished(log);

    const broken = new Promise((resolve) => log.onBroken(resolve));
    log.append('workflow.step.completed', completed('build'));
    log.append('workflow.step.log', logLine('build', 'after'));
    const error = await log.flush().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InfrastructureError);
    expect((error as Error).message).toMatch(/fsync failed.*EIO/);
    await expect(broken).resolves.toBe(error);
    expect(published).toEqual([]);
    expect(() => log.append('workflow.step.log', logLine('build', 'more'))).toThrow(error as Error);
    await expect(log.flush()).rejects.toBe(error);
    await expect(log.close()).rejects.toBe(error);
  });

  it('refuses appends once closed', async () => {
    const workspace = await createWorkspace();
    const log = await EventLog.create(workspace, RUN_ID);
    await log.close();
    expect(() => log.append('workflow.step.log', logLine('x', 'late'))).toThrow(
      expect.objectContaining({ code: 'MIA_STORE_LOG_CLOSED' }),
    );
  });

  it('stops calling a listener once it unsubscribes', async () => {
    const workspace = await createWorkspace();
    const log = await EventLog.create(workspace, RUN_ID);
    const seen: number[] = [];
    const unsubscribe = log.subscribe((event) => seen.push(event.seq));
    log.append('workflow.step.log', logLine('x', 'one'));
    unsubscribe();
    log.append('workflow.step.log', logLine('x', 'two'));
    expect(seen).toEqual([1]);
    await log.close();
  });

  it('moves a torn last line aside on open and appends the next event on a clean line', async () => {
    const workspace = await createWorkspace();
    const log = await EventLog.create(workspace, RUN_ID);
    log.append('workflow.step.completed', completed('build'));
    await log.close();
    const torn = '{"v":1,"id":"x","seq":2,"type":"workflow.st';
    await writeFile(log.path, torn, { flag: 'a' });

    const reopened = await EventLog.open(workspace, RUN_ID);
    expect(reopened.repairWarning).toMatch(/incomplete line .*continued after event 1/);
    expect(reopened.history).toHaveLength(1);
    expect(reopened.append('workflow.step.completed', completed('test')).seq).toBe(2);
    await reopened.close();

    const { events, tornTail } = await readEvents(log.path);
    expect(events.map((event) => event.seq)).toEqual([1, 2]);
    expect(tornTail).toBeUndefined();
    const runDir = getRunDir(workspace, RUN_ID);
    const aside = (await readdir(runDir)).filter((name) => name.startsWith('events.jsonl.torn-'));
    expect(aside).toHaveLength(1);
    expect(await readFile(join(runDir, aside[0] ?? ''), 'utf8')).toBe(torn);
  });

  it('keeps a last event whose newline is missing and appends after it', async () => {
    const workspace = await createWorkspace();
    const log = await EventLog.create(workspace, RUN_ID);
    log.append('workflow.step.completed', completed('build'));
    await log.close();
    const text = await readFile(log.path, 'utf8');
    await writeFile(log.path, text.trimEnd());

    const reopened = await EventLog.open(workspace, RUN_ID);
    expect(reopened.repairWarning).toBeUndefined();
    expect(reopened.history).toHaveLength(1);
    reopened.append('workflow.step.log', logLine('build', 'after'));
    await reopened.close();
    const { events } = await readEvents(log.path);
    expect(events.map((event) => event.seq)).toEqual([1, 2]);
  });

  it('refuses to open a run that does not exist', async () => {
    const workspace = await createWorkspace();
    await expect(EventLog.open(workspace, RUN_ID)).rejects.toMatchObject({
      code: 'MIA_STORE_RUN_NOT_FOUND',
    });
  });
});
