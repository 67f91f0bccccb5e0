import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunNotFoundError } from '../../src/errors.js';
import type { EventPayloads, MiaEvent } from '../../src/events/types.js';
import { findRootRun, loadRun } from '../../src/store/load-run.js';
import { getRunDir } from '../../src/store/paths.js';
import { describeSteps, RunEvents } from '../helpers/run-events.js';

let workspace: string;

beforeEach(async () => {
  workspace = await mkdtemp(join(tmpdir(), 'mia-load-run-'));
});

afterEach(async () => {
  await rm(workspace, { recursive: true, force: true });
});

async function writeRun(events: readonly MiaEvent[]): Promise<void> {
  const dir = getRunDir(workspace, events[0]!.runId);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'events.jsonl'), events.map((e) => `${JSON.stringify(e)}\n`).join(''));
}

/** A run with one step, `parent` naming the run and step that ran it as a chapter. */
function chapterOf(runId: string, parent?: { runId: string; stepId: string }): MiaEvent[] {
  const started = new RunEvents().start(['s:']).events[0]!
    .payload as EventPayloads['workflow.started'];
  return new RunEvents(runId).add('workflow.started', {
    ...started,
    steps: describeSteps(['s:']),
    ...(parent ? { parent } : {}),
  }).events;
}

describe('findRootRun', () => {
  it('climbs from a chapter of a chapter to the run the user started, with the gate path from it', async () => {
    await writeRun(chapterOf('top'));
    await writeRun(chapterOf('top-release', { runId: 'top', stepId: 'release' }));
    await writeRun(chapterOf('top-release-ship', { runId: 'top-release', stepId: 'ship' }));
    const { state } = await loadRun(workspace, 'top-release-ship');
    expect(await findRootRun(workspace, state)).toEqual({ runId: 'top', prefix: 'release/ship/' });
  });

  it('stops at the last run it can read when a parent was deleted', async () => {
    await writeRun(chapterOf('top-release', { runId: 'top', stepId: 'release' }));
    const { state } = await loadRun(workspace, 'top-release');
    expect(await findRootRun(workspace, state)).toEqual({ runId: 'top-release', prefix: '' });
  });
});

describe('loadRun', () => {
  it('says there is no such run, and how to list the runs, for a run without a log', async () => {
    const load = loadRun(workspace, 'nothing-here');
    await expect(load).rejects.toThrow(RunNotFoundError);
    await expect(load).rejects.toThrow('There is no run nothing-here in this workspace.');
  });

  it('reads a run that ended as not live, whatever its lock says', async () => {
    const run = new RunEvents('ended').start(['a:']).reach('a', 'completed');
    await writeRun(run.add('workflow.completed', { durationMs: 5 }).events);
    expect(await loadRun(workspace, 'ended')).toMatchObject({ isLive: false, owner: undefined });
  });
});
