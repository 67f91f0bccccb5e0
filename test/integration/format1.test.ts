// The committed format 1 logs (made by the format 1 CLI) through every surface that reads runs:
// runs, status, story, the HTTP API, the socket's replay, and resume appending format 2 to them.

import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getChartChannel, getTraceId, type MiaEvent } from '../../src/events/types.js';
import { runMia } from '../helpers/cli.js';
import {
  copyAllFormat1Runs,
  copyFormat1Workspace,
  listRunIds,
  readRawEvents,
} from '../helpers/format1-fixtures.js';
import { isMessage, request, startTestServer, TestClient } from '../server/helpers.js';

type RawEvents = Awaited<ReturnType<typeof readRawEvents>>;

/** A run's status as its raw events say: its final event, or crashed without one. */
function statusOf(raw: RawEvents): string {
  const last = raw.findLast(
    (e) => e.type.startsWith('workflow.') && !e.type.startsWith('workflow.step.'),
  );
  const ends: Record<string, string> = {
    'workflow.completed': 'completed',
    'workflow.failed': 'failed',
    'workflow.interrupted': 'interrupted',
  };
  return ends[last?.type ?? ''] ?? 'crashed';
}

/** Each step's status as its last raw event says. */
function stepStatusesOf(raw: RawEvents): Record<string, string> {
  const statuses: Record<string, string> = {};
  for (const event of raw) {
    const { payload } = event;
    if (event.type === 'workflow.started' || event.type === 'workflow.resumed') {
      for (const step of payload.steps) statuses[step.id] ??= 'pending';
      for (const id of payload.rerun ?? []) statuses[id] = 'pending';
    }
    const named: Record<string, string> = {
      'workflow.step.started': 'running',
      'workflow.step.waiting': 'waiting',
      'workflow.step.completed': 'completed',
      'workflow.step.skipped': 'skipped',
      'workflow.step.failed': payload.interrupted ? 'interrupted' : 'failed',
    };
    if (named[event.type]) statuses[payload.stepId] = named[event.type]!;
  }
  return statuses;
}

describe('format 1 runs, read by today’s mia', () => {
  let workspace: string;
  const raw = new Map<string, RawEvents>();

  beforeAll(async () => {
    workspace = await copyAllFormat1Runs();
    for (const runId of await listRunIds(workspace)) {
      raw.set(runId, await readRawEvents(workspace, runId));
    }
  });

  afterAll(async () => {
    await rm(workspace, { recursive: true, force: true });
  });

  it('lists every run with its status and progress in `mia workflow runs`', async () => {
    const result = await runMia(['workflow', 'runs', '--json'], { cwd: workspace });
    expect(result.exitCode, result.stderr).toBe(0);
    const listed = JSON.parse(result.stdout) as Array<{
      runId: string;
      status: string;
      completed: number;
    }>;
    expect(listed.map((run) => run.runId).sort()).toEqual([...raw.keys()]);
    for (const run of listed) {
      const events = raw.get(run.runId)!;
      expect(run.status, run.runId).toBe(statusOf(events));
      const done = Object.values(stepStatusesOf(events)).filter((s) => s === 'completed');
      expect(run.completed, run.runId).toBe(done.length);
    }
  });

  it('reports every run step by step in `mia workflow status`', async () => {
    for (const [runId, events] of raw) {
      const result = await runMia(['workflow', 'status', runId, '--json'], { cwd: workspace });
      expect(result.exitCode, result.stderr).toBe(0);
      const summary = JSON.parse(result.stdout) as {
        status: string;
        steps: Array<{ id: string; status: string }>;
      };
      expect(summary.status, runId).toBe(statusOf(events));
      // A run whose process died: its running (or waiting) steps count as interrupted.
      const expected = Object.fromEntries(
        Object.entries(stepStatusesOf(events)).map(([id, status]) => [
          id,
          statusOf(events) === 'crashed' && (status === 'running' || status === 'waiting')
            ? 'interrupted'
            : status,
        ]),
      );
      expect(Object.fromEntries(summary.steps.map((s) => [s.id, s.status])), runId).toEqual(
        expected,
      );
    }
  });

  it('tells every run in `mia workflow story`: each beat, each tension, where it stands', async () => {
    for (const [runId, events] of raw) {
      const result = await runMia(['workflow', 'story', runId], { cwd: workspace });
      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.stdout).toContain(`Run \`${runId}\``);
      for (const event of events) {
        if (event.type === 'beat.created' && event.payload.beat.type !== 'challenge') {
          expect(result.stdout, runId).toContain(event.payload.beat.description);
        }
        if (event.type === 'workflow.tension') {
          expect(result.stdout, runId).toContain(event.payload.text);
        }
      }
    }
  });

  it('serves the runs through the HTTP API with their status and steps', async () => {
    const { server, port, token } = await startTestServer({ workspace });
    try {
      const list = await request(port, '/api/workflow/runs', { token });
      expect(list.status).toBe(200);
      const items = list.json as Array<{ runId: string; status: string }>;
      expect(items.map((item) => item.runId).sort()).toEqual([...raw.keys()]);
      for (const [runId, events] of raw) {
        const detail = await request(port, `/api/workflow/runs/${runId}`, { token });
        expect(detail.status).toBe(200);
        const run = detail.json as { status: string; steps: Array<{ id: string; status: string }> };
        expect(run.status).toBe(statusOf(events));
        const story = await request(port, `/api/workflow/runs/${runId}/story`, { token });
        expect(story.status).toBe(200);
        expect(story.text).toContain(runId);
      }
    } finally {
      await server.close();
    }
  });

  it('replays every run over the socket as format 2 events, in seq order, beats and progress migrated', async () => {
    const { server, port, token } = await startTestServer({ workspace });
    const client = await TestClient.connect(port, { token });
    try {
      await client.waitFor(isMessage('auth'));
      for (const [runId, events] of raw) {
        client.send({ type: 'subscribe', channel: `workflow:${runId}`, since: 0 });
        await client.waitForSeq(runId, events.length);
        const replayed: MiaEvent[] = client.events(runId);
        expect(replayed.map((e) => e.seq)).toEqual(events.map((e) => e.seq));
        for (const event of replayed) {
          expect(event).toMatchObject({ v: 2, traceId: getTraceId(runId) });
          if (event.type === 'beat.created') {
            expect(typeof event.payload.beat.significance).toBe('number');
            expect(event.payload.beat.session).toBe(runId);
          }
          if (event.type === 'chart.progress') {
            expect(event.channel).toBe(getChartChannel(runId));
            expect(event.payload).toMatchObject({
              chartId: runId,
              title: events[0]!.payload.workflow,
            });
          }
        }
      }
    } finally {
      client.close();
      await server.close();
    }
  });
});

describe('resuming a format 1 run under format 2', () => {
  it('appends format 2 events to the format 1 log, seq and trace going on, and reaches the outcome', async () => {
    const workspace = await copyFormat1Workspace('failed');
    const [runId] = await listRunIds(workspace);
    const logPath = join(workspace, '.mia/runs', runId!, 'events.jsonl');
    const before = await readFile(logPath, 'utf8');
    const definition = join(workspace, '.mia/workflows/broken.yaml');
    // The user fixes the cause: the sources compile.
    await writeFile(
      definition,
      (await readFile(definition, 'utf8')).replace(
        /run: "echo 'src.*exit 2"/,
        'run: "echo compiled"',
      ),
    );

    const result = await runMia(['workflow', 'resume', runId!], { cwd: workspace });
    expect(result.exitCode, result.stderr).toBe(0);

    const after = await readFile(logPath, 'utf8');
    expect(after.startsWith(before)).toBe(true);
    const added = after
      .slice(before.length)
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    const oldCount = before.split('\n').filter(Boolean).length;
    expect(added.map((e) => e.seq)).toEqual(added.map((_, i) => oldCount + 1 + i));
    for (const event of added) expect(event).toMatchObject({ v: 2, traceId: getTraceId(runId!) });
    expect(added[0].type).toBe('workflow.resumed');

    const status = JSON.parse(
      (await runMia(['workflow', 'status', runId!, '--json'], { cwd: workspace })).stdout,
    );
    expect(status).toMatchObject({ status: 'completed', resumes: 1 });
    const story = await readFile(join(workspace, '.mia/runs', runId!, 'story.md'), 'utf8');
    expect(story).toContain('The sources do not compile');
    expect(story).toContain('the tension is resolved after the run was resumed');
    const chart = JSON.parse(
      await readFile(join(workspace, '.stc/charts/mia-workflow-broken.json'), 'utf8'),
    );
    expect(chart).toMatchObject({ runId, id: 'mia-workflow-broken' });
    expect(chart.actionSteps.every((step: { completed: boolean }) => step.completed)).toBe(true);
  });

  it('resumes a crashed format 1 run: its interrupted step runs again and the run completes', async () => {
    const workspace = await copyFormat1Workspace('crashed');
    const [runId] = await listRunIds(workspace);
    const definition = join(workspace, '.mia/workflows/long.yaml');
    await writeFile(definition, (await readFile(definition, 'utf8')).replace('sleep 30', 'true'));

    const result = await runMia(['workflow', 'resume', runId!], { cwd: workspace });
    expect(result.exitCode, result.stderr).toBe(0);
    const events = await readRawEvents(workspace, runId!);
    const resumed = events.find((e) => e.type === 'workflow.resumed')!;
    expect(resumed.v).toBe(2);
    expect(resumed.payload.rerun).toContain('crunch');
    expect(resumed.payload.kept).toEqual(['warm']);
    expect(events.at(-1)).toMatchObject({ v: 2, type: 'workflow.completed' });
    const chart = JSON.parse(await readFile(join(workspace, '.mia/stc', `${runId}.json`), 'utf8'));
    expect(chart).toMatchObject({ status: 'resolved', metadata: { session: runId } });
  });
});
