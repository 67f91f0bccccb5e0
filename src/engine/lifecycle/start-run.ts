// Starts a new run: its folder, lock, recorded definition and `workflow.started` event.

import { rm } from 'node:fs/promises';
import type { LoadedWorkflow } from '../../definition/loaded-workflow.js';
import { StoryWriter } from '../../narrative/story-writer.js';
import { writeDefinitionFile } from '../../store/definition-file.js';
import { EventLog, type EventLogFs } from '../../store/event-log.js';
import { acquireRunLock, type RunLock } from '../../store/lock.js';
import { createRunId, getRunDir } from '../../store/paths.js';
import { describeSteps } from '../run-description.js';
import type { RunHandle } from './types.js';

/** Steps run at once when neither the CLI nor the definition says. */
export const DEFAULT_CONCURRENCY = 4;

/** Starts a new run of `loaded`: its directory, lock and `workflow.started` event. */
export async function startRun(options: {
  workspace: string;
  loaded: LoadedWorkflow;
  inputs: Record<string, string>;
  concurrency: number | undefined;
  /** Chapters use an id derived from their parent's; new runs get a fresh one. */
  runId?: string;
  parent?: { runId: string; stepId: string };
  /** The event log's file layer (tests inject disk faults through it). */
  fs?: EventLogFs;
}): Promise<RunHandle> {
  const { workspace, loaded } = options;
  const { workflow } = loaded;
  const runId = options.runId ?? createRunId();
  const events = await EventLog.create(workspace, runId, { fs: options.fs });
  const concurrency = options.concurrency ?? workflow.concurrency ?? DEFAULT_CONCURRENCY;
  let lock: RunLock | undefined;
  try {
    lock = await acquireRunLock(getRunDir(workspace, runId), runId);
    // Before the first event: whoever the handle goes to subscribes before anything is published.
    await writeDefinitionFile(workspace, runId, loaded);
    events.append('workflow.started', {
      workflow: workflow.name,
      narrative: workflow.narrative,
      inputs: options.inputs,
      steps: describeSteps(workflow),
      source: workflow.source,
      workspace,
      concurrency,
      pid: process.pid,
      ...(options.parent ? { parent: options.parent } : {}),
    });
  } catch (error) {
    // A run that could not even start (a full disk) leaves nothing behind: no lock, no folder.
    await events.close().catch(() => undefined);
    await lock?.release();
    await rm(getRunDir(workspace, runId), { recursive: true, force: true });
    throw error;
  }
  const held = lock;
  return {
    runId,
    workspace,
    workflow,
    plan: loaded.plan,
    inputs: options.inputs,
    concurrency,
    parent: options.parent,
    events,
    resumed: undefined,
    story: new StoryWriter(workspace, events),
    warnings: [],
    release: () => held.release(),
  };
}
