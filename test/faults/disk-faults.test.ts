// Disk faults (ENOSPC, EIO on write or fsync) injected through the event log's file layer, in
// process with the real engine: the run fails as an infrastructure error, publishes nothing that
// is not on disk, and resumes once the disk is healthy.

import * as nodeFs from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBuiltinRegistry } from '../../src/actions/builtin.js';
import type { ActionAdapter } from '../../src/actions/types.js';
import { loadWorkflow } from '../../src/definition/load.js';
import { runChapter } from '../../src/engine/chapters.js';
import { executeRun } from '../../src/engine/lifecycle/execute-run.js';
import { resumeRun } from '../../src/engine/lifecycle/resume-run.js';
import { startRun } from '../../src/engine/lifecycle/start-run.js';
import { DURABLE_EVENT_TYPES, type MiaEvent } from '../../src/events/types.js';
import type { EventLogFs } from '../../src/store/event-log.js';
import { countByStep, createFaultWorkspace, eventsPathOf } from './helpers.js';

type Fault = 'write' | 'partial-write' | 'fsync';

/** The real file layer, breaking with `code` at the `at`th write or fsync; it records what fsyncs made durable. */
function createFaultyFs(fault: Fault, at: number, code: 'ENOSPC' | 'EIO') {
  const state = { writes: 0, fsyncs: 0, durableBytes: 0, isBroken: false };
  const fail = (): NodeJS.ErrnoException => {
    state.isBroken = true;
    return Object.assign(new Error(`${code}: injected fault, write`), { code, errno: -28 });
  };
  const fs: EventLogFs = {
    openSync: (path, flags) => nodeFs.openSync(path, flags),
    writeSync(fd, buffer, offset, length) {
      state.writes += 1;
      if (state.isBroken || (fault !== 'fsync' && state.writes === at)) {
        if (fault === 'partial-write' && !state.isBroken) {
          // The disk fills up in the middle of the line: half of it lands.
          nodeFs.writeSync(fd, buffer, offset, Math.max(1, Math.floor(length / 2)));
        }
        throw fail();
      }
      return nodeFs.writeSync(fd, buffer, offset, length);
    },
    fsync(fd, callback) {
      state.fsyncs += 1;
      if (state.isBroken || (fault === 'fsync' && state.fsyncs === at)) {
        const error = fail();
        process.nextTick(() => callback(error));
        return;
      }
      const size = nodeFs.fstatSync(fd).size;
      nodeFs.fsync(fd, (error) => {
        if (!error) state.durableBytes = Math.max(state.durableBytes, size);
        callback(error);
      });
    },
    closeSync: (fd) => nodeFs.closeSync(fd),
  };
  return { fs, state };
}

/** An action that counts its executions, logs a line, and fails the attempts listed in `fail`. */
function createProbe() {
  const executions = new Map<string, number>();
  const probe: ActionAdapter = {
    name: 'probe',
    universes: ['engineer'],
    async run(ctx) {
      executions.set(ctx.stepId, (executions.get(ctx.stepId) ?? 0) + 1);
      ctx.log.write('stdout', `${ctx.stepId} attempt ${ctx.attempt}\n`);
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (ctx.with.failFirst === true && ctx.attempt === 1) throw new Error('first attempt fails');
      return { outputs: { step: ctx.stepId } };
    },
  };
  return { probe, executions };
}

const DIAMOND = `name: disk
narrative: "A run outlives a full disk"
steps:
  - { id: a, action: probe }
  - { id: b, action: probe, depends_on: [a], retry: { attempts: 2, delay: 1ms }, with: { failFirst: true } }
  - { id: c, action: probe, depends_on: [a] }
  - { id: d, action: probe, depends_on: [b, c] }
`;
const STEPS = ['a', 'b', 'c', 'd'];

async function setUp() {
  const ws = await createFaultWorkspace({ disk: DIAMOND });
  const { probe, executions } = createProbe();
  const registry = createBuiltinRegistry();
  registry.register(probe);
  const loaded = await loadWorkflow('disk', { workspace: ws, registry });
  return { ws, registry, loaded, executions };
}

/** One run whose log breaks at the `at`th write or fsync, then a resume on a healthy disk. */
async function runWithFault(fault: Fault, at: number, code: 'ENOSPC' | 'EIO') {
  const { ws, registry, loaded, executions } = await setUp();
  const faulty = createFaultyFs(fault, at, code);
  const what = `${code} on ${fault} ${at}`;
  const published: MiaEvent[] = [];
  let runId: string | undefined;
  let outcome: unknown;
  try {
    const handle = await startRun({
      workspace: ws,
      loaded,
      inputs: {},
      concurrency: 2,
      fs: faulty.fs,
    });
    runId = handle.runId;
    handle.events.subscribe((event) => published.push(event));
    outcome = await executeRun(handle, {
      registry,
      runChapter,
      signal: new AbortController().signal,
    });
  } catch (error) {
    outcome = error;
  }
  if (!faulty.state.isBroken) {
    // Group commit makes the count of fsyncs (and log batches) vary a little from run to run:
    // a fault past the end of this run is never hit, and the run must simply have succeeded.
    expect(outcome, what).toMatchObject({ status: 'completed' });
    const done = fault === 'fsync' ? faulty.state.fsyncs : faulty.state.writes;
    expect(done, `${what}: the fault was never hit`).toBeLessThan(at);
    return { what, broke: false as const };
  }

  // The run fails as an infrastructure error, saying what to do.
  expect(outcome, what).toBeInstanceOf(Error);
  expect((outcome as { code?: string }).code, what).toBe('MIA_INFRA');
  expect((outcome as Error).message, what).toContain(code);
  if (runId === undefined) {
    // The run could not even start: nothing is left behind to confuse `resume --last`.
    expect(await readdir(join(ws, '.mia/runs')), what).toEqual([]);
    return { what, broke: true as const };
  }

  // Nothing was shown that is not on disk; no durable event was shown before its fsync.
  const bytes = await readFile(eventsPathOf(ws, runId));
  const onDisk = new Set(
    bytes
      .toString('utf8')
      .split('\n')
      .flatMap((line) => {
        try {
          return [(JSON.parse(line) as MiaEvent).id];
        } catch {
          return [];
        }
      }),
  );
  for (const event of published) expect(onDisk.has(event.id), `${what}: ${event.type}`).toBe(true);
  const durableText = bytes.subarray(0, faulty.state.durableBytes).toString('utf8');
  for (const event of published.filter((e) => DURABLE_EVENT_TYPES.has(e.type))) {
    expect(durableText, `${what}: ${event.type} shown before fsync`).toContain(event.id);
  }
  const shownDone = new Set(
    published.filter((e) => e.type === 'workflow.step.completed').map((e) => e.payload.stepId),
  );
  const before = new Map(executions);

  // With a healthy disk the run resumes and completes; a completion that was shown never re-runs.
  const resumed = await resumeRun({
    workspace: ws,
    runId,
    from: undefined,
    concurrency: undefined,
    loadDefinition: async () => loaded,
  });
  if ('nothingToDo' in resumed) {
    // Only the fsync of the very end failed: the log says the run completed, and it did.
    expect(resumed.nothingToDo.status, what).toBe('completed');
  } else {
    const result = await executeRun(resumed, {
      registry,
      runChapter,
      signal: new AbortController().signal,
    });
    expect(result.status, what).toBe('completed');
  }
  const events = (await readFile(eventsPathOf(ws, runId), 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as MiaEvent);
  expect(
    events.map((e) => e.seq),
    what,
  ).toEqual(events.map((_, i) => i + 1));
  const completions = countByStep(events, 'workflow.step.completed');
  for (const id of STEPS) expect(completions.get(id), `${what}: ${id}`).toBe(1);
  for (const id of shownDone) {
    expect(executions.get(id), `${what}: ${id} ran again`).toBe(before.get(id));
  }
  return { what, broke: true as const };
}

describe('disk faults in the event log', () => {
  it('counts the writes and fsyncs of a healthy run', async () => {
    const { ws, registry, loaded } = await setUp();
    const healthy = createFaultyFs('write', Number.POSITIVE_INFINITY, 'EIO');
    const handle = await startRun({
      workspace: ws,
      loaded,
      inputs: {},
      concurrency: 2,
      fs: healthy.fs,
    });
    const result = await executeRun(handle, {
      registry,
      runChapter,
      signal: new AbortController().signal,
    });
    expect(result.status).toBe('completed');
    expect(healthy.state.writes).toBeGreaterThan(20);
    expect(healthy.state.fsyncs).toBeGreaterThan(3);
    sweepSizes.writes = healthy.state.writes;
    sweepSizes.fsyncs = healthy.state.fsyncs;
  });

  const sweepSizes = { writes: 0, fsyncs: 0 };
  const cases: Array<[Fault, 'ENOSPC' | 'EIO']> = [
    ['write', 'ENOSPC'],
    ['partial-write', 'ENOSPC'],
    ['write', 'EIO'],
    ['fsync', 'EIO'],
    ['fsync', 'ENOSPC'],
  ];
  for (const [fault, code] of cases) {
    it(`fails as an infrastructure error and resumes, for ${code} on every ${fault}`, async () => {
      const total = fault === 'fsync' ? sweepSizes.fsyncs : sweepSizes.writes;
      expect(total).toBeGreaterThan(0);
      let hits = 0;
      for (let at = 1; at <= total; at++) {
        const { broke } = await runWithFault(fault, at, code).catch((error: Error) => {
          throw new Error(`${code} on ${fault} ${at}: ${error.message}`, { cause: error });
        });
        if (broke) hits += 1;
      }
      expect(hits).toBeGreaterThanOrEqual(total - 2);
    });
  }
});
