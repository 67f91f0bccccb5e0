import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventLogError } from '../../src/errors.js';
import {
  getChartChannel,
  getRunChannel,
  getTraceId,
  type MiaEvent,
} from '../../src/events/types.js';
import { readEvents } from '../../src/store/event-reader.js';
import { migrateEvent } from '../../src/store/migrate-event.js';
import { copyAllFormat1Runs, listRunIds, readRawEvents } from '../helpers/format1-fixtures.js';

/** The contract's table: format 1's words for significance, as numbers. */
const SIGNIFICANCE: Record<string, number> = { low: 0.3, medium: 0.6, high: 0.9 };

describe('migrating the committed format 1 logs', () => {
  let workspace: string;
  let runs: Array<{
    runId: string;
    raw: Awaited<ReturnType<typeof readRawEvents>>;
    events: MiaEvent[];
  }>;

  beforeAll(async () => {
    workspace = await copyAllFormat1Runs();
    runs = await Promise.all(
      (await listRunIds(workspace)).map(async (runId) => ({
        runId,
        raw: await readRawEvents(workspace, runId),
        events: (await readEvents(join(workspace, '.mia/runs', runId, 'events.jsonl'))).events,
      })),
    );
  });

  afterAll(async () => {
    await rm(workspace, { recursive: true, force: true });
  });

  it('reads logs that are format 1 through and through', () => {
    expect(runs.length).toBeGreaterThanOrEqual(8);
    for (const { raw } of runs) expect(new Set(raw.map((event) => event.v))).toEqual(new Set([1]));
  });

  it('gives every event format 2 and the trace id of its run, keeping id, seq, type and time', () => {
    for (const { runId, raw, events } of runs) {
      expect(events).toHaveLength(raw.length);
      events.forEach((event, index) => {
        const before = raw[index]!;
        expect(event).toMatchObject({
          v: 2,
          traceId: getTraceId(runId),
          id: before.id,
          seq: before.seq,
          type: before.type,
          runId,
          timestamp: before.timestamp,
        });
      });
    }
  });

  it('leaves every event that is neither a beat nor chart progress as it was', () => {
    for (const { raw, events } of runs) {
      events.forEach((event, index) => {
        if (event.type === 'beat.created' || event.type === 'chart.progress') return;
        expect({ ...event, v: 1, traceId: undefined }).toEqual({
          ...raw[index],
          traceId: undefined,
        });
      });
    }
  });

  it('turns each beat into a StoryBeat: numeric significance, null universe for the run, the run as session', () => {
    let beats = 0;
    for (const { runId, raw, events } of runs) {
      const started = raw[0]!.payload;
      events.forEach((event, index) => {
        if (event.type !== 'beat.created') return;
        beats++;
        const before = raw[index]!.payload.beat;
        const beat = event.payload.beat;
        expect(beat).toMatchObject({
          id: before.id,
          type: before.type,
          description: before.description,
          significance: SIGNIFICANCE[before.significance],
          session: runId,
          workspace: started.workspace,
          timestamp: before.timestamp,
          stepId: before.stepId,
          universe: before.universe === 'workflow' ? null : before.universe,
          universeAnnotations: {},
          event: {
            source: 'mia-workflow',
            data: before.stepId === null ? { runId } : { runId, stepId: before.stepId },
          },
        });
        expect(beat.event.type).toMatch(/^workflow\./);
      });
    }
    expect(beats).toBeGreaterThan(20);
  });

  it('tells which event each migrated beat tells, as the format 2 narrator does', () => {
    const told = runs.flatMap(({ events }) =>
      events.flatMap((event) => (event.type === 'beat.created' ? [event.payload.beat] : [])),
    );
    const byType = new Map(told.map((beat) => [beat.type, beat.event.type]));
    expect(Object.fromEntries(byType)).toEqual({
      inciting_incident: 'workflow.started',
      rising_action: 'workflow.step.completed',
      climax: 'workflow.step.completed',
      transformation: 'workflow.step.completed',
      challenge: 'workflow.tension',
      discovery: 'workflow.step.skipped',
      resolution: 'workflow.completed',
    });
  });

  it('turns chart progress into the mia chart progress on the chart channel, titled by the workflow', () => {
    let progress = 0;
    for (const { runId, raw, events } of runs) {
      events.forEach((event, index) => {
        if (event.type !== 'chart.progress') return;
        progress++;
        const before = raw[index]!;
        expect(before.channel).toBe(getRunChannel(runId));
        expect(event.channel).toBe(getChartChannel(runId));
        expect(event.payload).toEqual({
          chartId: runId,
          title: raw[0]!.payload.workflow,
          completedSteps: before.payload.completed,
          totalSteps: before.payload.total,
          percent: before.payload.percent,
        });
      });
    }
    expect(progress).toBeGreaterThan(10);
  });
});

describe('migrateEvent', () => {
  const v1 = (extra: Record<string, unknown>) => ({
    v: 1,
    id: 'e1',
    seq: 1,
    type: 'workflow.step.log',
    channel: 'workflow:r1',
    runId: 'r1',
    timestamp: '2026-11-23T17:22:00.000Z',
    payload: { stepId: 'a', stream: 'stdout', text: 'hi' },
    ...extra,
  });

  it('refuses a newer format, names where, and says to upgrade', () => {
    const refuse = () => migrateEvent(v1({ v: 3 }), 'events.jsonl:4');
    expect(refuse).toThrow(EventLogError);
    expect(refuse).toThrow(
      'events.jsonl:4: event written by a newer mia-workflow (format v3); upgrade mia-workflow to read it.',
    );
  });

  it('refuses a format that never existed (v0) as a damaged log', () => {
    expect(() => migrateEvent(v1({ v: 0 }), 'here')).toThrow('here: unknown event format v0.');
  });

  it('titles chart progress with the run id when the log never said its workflow', () => {
    const event = migrateEvent(
      v1({ type: 'chart.progress', payload: { completed: 1, total: 4, percent: 25 } }),
      'here',
    );
    expect(event.payload).toEqual({
      chartId: 'r1',
      title: 'r1',
      completedSteps: 1,
      totalSteps: 4,
      percent: 25,
    });
  });

  it('keeps a format 1 beat with a significance it does not know at medium', () => {
    const beat = { id: 'b', type: 'climax', description: 'x', universe: 'story', stepId: 's' };
    const event = migrateEvent(
      v1({ type: 'beat.created', payload: { beat: { ...beat, significance: 'huge' } } }),
      'here',
    );
    expect((event.payload as { beat: { significance: number } }).beat.significance).toBe(0.6);
  });
});
