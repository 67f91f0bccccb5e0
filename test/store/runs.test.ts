import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunNotFoundError } from '../../src/errors.js';
import { EventLog } from '../../src/store/event-log.js';
import { getRunsDir } from '../../src/store/paths.js';
import { findLastRunId, listRunIds, resolveRunId } from '../../src/store/runs.js';
import { createWorkspace, letClockTick } from './helpers.js';

/** A run as `createRun` leaves it: its log begins with `workflow.started`. */
async function createRun(
  workspace: string,
  runId: string,
  parent?: { runId: string; stepId: string },
): Promise<void> {
  const log = await EventLog.create(workspace, runId);
  log.append('workflow.started', {
    workflow: 'w',
    narrative: 'n',
    inputs: {},
    steps: [],
    source: { kind: 'workspace', path: '/w.yaml' },
    workspace,
    concurrency: 1,
    pid: 1,
    ...(parent ? { parent } : {}),
  });
  await log.close();
}

describe('listRunIds', () => {
  it('lists runs oldest first and ignores entries that are not runs', async () => {
    const workspace = await createWorkspace();
    await createRun(workspace, '20261123-172200-bbbbbb');
    await createRun(workspace, '20261122-080000-ffffff');
    await createRun(workspace, '20261124-000000-000000');
    const runsDir = getRunsDir(workspace);
    await writeFile(join(runsDir, 'notes.txt'), 'not a run');
    await mkdir(join(runsDir, '20261125-000000-aaaaaa'));
    await mkdir(join(runsDir, '.hidden'));

    expect(await listRunIds(workspace)).toEqual([
      '20261122-080000-ffffff',
      '20261123-172200-bbbbbb',
      '20261124-000000-000000',
    ]);
  });

  it('lists nothing in a workspace without runs', async () => {
    const workspace = await createWorkspace();
    expect(await listRunIds(workspace)).toEqual([]);
    expect(await findLastRunId(workspace)).toBeUndefined();
  });

  it('orders runs of the same second by when they were created', async () => {
    const workspace = await createWorkspace();
    await createRun(workspace, '20261123-172200-ffffff');
    await letClockTick();
    await createRun(workspace, '20261123-172200-000000');
    expect(await listRunIds(workspace)).toEqual([
      '20261123-172200-ffffff',
      '20261123-172200-000000',
    ]);
    expect(await findLastRunId(workspace)).toBe('20261123-172200-000000');
  });
});

describe('findLastRunId and chapters', () => {
  it('is the last run the user started, never a chapter of it, however deep', async () => {
    const workspace = await createWorkspace();
    const started = async (runId: string, parent?: { runId: string; stepId: string }) => {
      await createRun(workspace, runId, parent);
      await letClockTick();
    };
    await started('20261123-172200-aaaaaa');
    await started('20261123-172201-bbbbbb');
    await started('20261123-172201-bbbbbb-chapter', {
      runId: '20261123-172201-bbbbbb',
      stepId: 'chapter',
    });
    await started('20261123-172201-bbbbbb-chapter-inner', {
      runId: '20261123-172201-bbbbbb-chapter',
      stepId: 'inner',
    });
    expect(await findLastRunId(workspace)).toBe('20261123-172201-bbbbbb');
    expect(await resolveRunId(workspace)).toBe('20261123-172201-bbbbbb');
  });

  it('passes over a run that never started: an empty log, or a first event cut short', async () => {
    const workspace = await createWorkspace();
    await createRun(workspace, '20261123-172200-aaaaaa');
    await letClockTick();
    // A process killed between creating the log and writing its first event, or in that write.
    await (await EventLog.create(workspace, '20261123-172201-bbbbbb')).close();
    await letClockTick();
    await (await EventLog.create(workspace, '20261123-172202-cccccc')).close();
    await writeFile(
      join(getRunsDir(workspace), '20261123-172202-cccccc', 'events.jsonl'),
      '{"v":2,"type":"workflow.sta',
    );
    expect(await findLastRunId(workspace)).toBe('20261123-172200-aaaaaa');
  });
});

describe('resolveRunId', () => {
  it('returns a given run id that exists', async () => {
    const workspace = await createWorkspace();
    await createRun(workspace, '20261123-172200-aaaaaa');
    expect(await resolveRunId(workspace, '20261123-172200-aaaaaa')).toBe('20261123-172200-aaaaaa');
  });

  it('returns the last run when no id is given', async () => {
    const workspace = await createWorkspace();
    await createRun(workspace, '20261123-172200-aaaaaa');
    await createRun(workspace, '20261124-172200-aaaaaa');
    expect(await resolveRunId(workspace)).toBe('20261124-172200-aaaaaa');
  });

  it('refuses a run id that does not exist and points to `mia workflow runs`', async () => {
    const workspace = await createWorkspace();
    const error = await resolveRunId(workspace, '20261123-172200-aaaaaa').catch((caught) => caught);
    expect(error).toBeInstanceOf(RunNotFoundError);
    expect(error).toMatchObject({
      code: 'MIA_STORE_RUN_NOT_FOUND',
      message: `No run 20261123-172200-aaaaaa in ${workspace}.`,
      hint: '`mia workflow runs` lists the runs of this workspace.',
    });
  });

  it('refuses to pick the last run of a workspace that has none', async () => {
    const workspace = await createWorkspace();
    await expect(resolveRunId(workspace)).rejects.toMatchObject({
      code: 'MIA_STORE_RUN_NOT_FOUND',
      message: `No runs in ${workspace} yet.`,
    });
  });

  it('refuses an invalid run id before touching the disk', async () => {
    const workspace = await createWorkspace();
    await expect(resolveRunId(workspace, '../escape')).rejects.toMatchObject({
      code: 'MIA_STORE_BAD_RUN_ID',
    });
  });
});
