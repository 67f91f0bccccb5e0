// Starts and resumes runs: the lock, the first and last events, and the executor in between.

import { access, rm } from 'node:fs/promises';
import type { ActionRegistry } from '../actions/registry.js';
import { isReusedDefinition } from '../definition/record.js';
import type { ResolvedWorkflow } from '../definition/types.js';
import { RunNotFoundError, UsageError } from '../errors.js';
import { Narrator } from '../narrative/narrator.js';
import { StoryWriter, writeRunStory } from '../narrative/story-writer.js';
import { EventLog, type EventLogFs } from '../store/event-log.js';
import { type EventLogContents, readEvents } from '../store/event-reader.js';
import { acquireRunLock, type RunLock } from '../store/lock.js';
import { createRunId, getEventsPath, getRunDir, getStepLogPath } from '../store/paths.js';
import { formatSuggestion } from '../util/suggest.js';
import { foldRunState, getRunningMsSoFar, markCrashed } from '../view/fold.js';
import type { RunState } from '../view/run-state.js';
import { runChapter } from './chapters.js';
import { readDefinitionFile, writeDefinitionFile } from './definition-file.js';
import { type ExecuteResult, executeWorkflow } from './executor.js';
import { GateKeeper } from './gates.js';
import { reapOrphans } from './orphans.js';
import { findOutdatedSteps } from './outdated.js';
import { planResume, type ResumePlan } from './resume-plan.js';
import { describeHead, describeSteps } from './run-description.js';

/** Steps run at once when neither the CLI nor the definition says. */
export const DEFAULT_CONCURRENCY = 4;

/** A run that holds its lock and log, ready to execute. */
export interface RunHandle {
  runId: string;
  workspace: string;
  workflow: ResolvedWorkflow;
  inputs: Record<string, string>;
  concurrency: number;
  events: EventLog;
  kept: Map<string, Record<string, unknown>>;
  firstStartedAt: Map<string, string>;
  hadTension: Set<string>;
  /** Set on resume: what runs again and what is kept. */
  resumePlan: ResumePlan | undefined;
  isResume: boolean;
  /** Time earlier sessions of this run spent running (0 for a new run). */
  priorRunningMs: number;
  /** Keeps story.md and the STC chart up to date. */
  story: StoryWriter;
  /** Things the user should know before the run goes on (a repaired torn log). */
  warnings: string[];
  release(): Promise<void>;
}

/** Creates a new run: its directory, lock and `workflow.started` event. */
export async function createRun(options: {
  workspace: string;
  workflow: ResolvedWorkflow;
  inputs: Record<string, string>;
  concurrency: number | undefined;
  /** Chapters use an id derived from their parent's; new runs get a fresh one. */
  runId?: string;
  parent?: { runId: string; stepId: string };
  /** The event log's file layer (tests inject disk faults through it). */
  fs?: EventLogFs;
}): Promise<RunHandle> {
  const runId = options.runId ?? createRunId();
  const events = await EventLog.create(options.workspace, runId, { fs: options.fs });
  const concurrency = options.concurrency ?? options.workflow.concurrency ?? DEFAULT_CONCURRENCY;
  let lock: RunLock | undefined;
  try {
    lock = await acquireRunLock(getRunDir(options.workspace, runId), runId);
    // Before the first event: whoever the handle goes to subscribes before anything is published.
    await writeDefinitionFile(options.workspace, runId, options.workflow);
    events.append('workflow.started', {
      workflow: options.workflow.name,
      narrative: options.workflow.narrative,
      inputs: options.inputs,
      steps: describeSteps(options.workflow),
      source: options.workflow.source,
      workspace: options.workspace,
      concurrency,
      pid: process.pid,
      ...(options.parent ? { parent: options.parent } : {}),
    });
  } catch (error) {
    // A run that could not even start (a full disk) leaves nothing behind: no lock, no folder.
    await events.close().catch(() => undefined);
    await lock?.release();
    await rm(getRunDir(options.workspace, runId), { recursive: true, force: true });
    throw error;
  }
  const held = lock;
  const story = new StoryWriter(options.workspace, events);
  return {
    runId,
    workspace: options.workspace,
    workflow: options.workflow,
    inputs: options.inputs,
    concurrency,
    events,
    kept: new Map(),
    firstStartedAt: new Map(),
    hadTension: new Set(),
    resumePlan: undefined,
    isResume: false,
    priorRunningMs: 0,
    story,
    warnings: [],
    release: () => held.release(),
  };
}

/** Reads a run's events and folds them; a run with no live owner and no end counts as crashed. */
export async function loadRunState(workspace: string, runId: string): Promise<RunState> {
  return foldRunState((await readRunEvents(workspace, runId)).events);
}

async function readRunEvents(workspace: string, runId: string): Promise<EventLogContents> {
  try {
    return await readEvents(getEventsPath(workspace, runId));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new RunNotFoundError(
        `There is no run ${runId} in this workspace.`,
        'List runs with `mia workflow runs`.',
      );
    }
    throw error;
  }
}

/**
 * Opens an existing run to resume it: takes its lock (refused while another process holds it),
 * reloads the definition, and records `workflow.resumed` with what re-runs and what is kept.
 */
export async function resumeRun(options: {
  workspace: string;
  runId: string;
  from: string | undefined;
  concurrency: number | undefined;
  /** `recorded`: the definition recorded for the run, if any (see LoadOptions.recorded). */
  loadDefinition(state: RunState, recorded: unknown): Promise<ResolvedWorkflow>;
  /** The actions, asked whether completed steps still hold (see findOutdatedSteps). */
  registry?: ActionRegistry;
  /** The event log's file layer (tests inject disk faults through it). */
  fs?: EventLogFs;
}): Promise<RunHandle | { nothingToDo: RunState }> {
  const { workspace, runId } = options;
  // A missing run fails here, before the lock (which needs its folder); the log itself is read
  // once, under the lock.
  await access(getEventsPath(workspace, runId)).catch(() => readRunEvents(workspace, runId));
  const lock = await acquireRunLock(getRunDir(workspace, runId), runId);
  try {
    const contents = await readRunEvents(workspace, runId);
    const state = foldRunState(contents.events);
    markCrashed(state);
    // We hold the lock, so any process of this run still alive was orphaned by a crash.
    await reapOrphans(runId);
    const workflow = await options.loadDefinition(
      state,
      await readDefinitionFile(workspace, runId),
    );
    if (options.from !== undefined && !workflow.steps.some((s) => s.id === options.from)) {
      const ids = workflow.steps.map((s) => s.id);
      throw new UsageError(
        `Run ${runId} has no step "${options.from}".${formatSuggestion(options.from, ids)}`,
        `Steps: ${ids.join(', ')}.`,
      );
    }
    if (state.status === 'completed' && options.from === undefined) {
      const plan = planResume(state, workflow, undefined);
      if (!plan.definitionChanged) {
        // A process killed right after its last event never wrote the story: write it now.
        await writeRunStory(workspace, contents.events);
        await lock.release();
        return { nothingToDo: state };
      }
    }
    const outdated = options.registry
      ? await findOutdatedSteps(state, workflow, options.registry, workspace)
      : {};
    const plan = planResume(state, workflow, options.from, outdated);
    if (!isReusedDefinition(workflow)) await writeDefinitionFile(workspace, runId, workflow);
    const events = await EventLog.open(workspace, runId, { fs: options.fs, contents });
    const story = new StoryWriter(workspace, events);
    events.append('workflow.resumed', {
      rerun: plan.rerun,
      kept: plan.kept,
      definitionChanged: plan.definitionChanged,
      steps: describeSteps(workflow),
      from: options.from ?? null,
      ...(Object.keys(outdated).length > 0 ? { outdated } : {}),
      pid: process.pid,
      ...(await describeHead(workspace)),
    });
    const kept = new Map<string, Record<string, unknown>>();
    const firstStartedAt = new Map<string, string>();
    const hadTension = new Set<string>();
    const changed = new Set(plan.changed);
    const keptIds = new Set(plan.kept);
    for (const [id, step] of state.stepStates) {
      if (keptIds.has(id)) kept.set(id, step.outputs);
      if (step.firstStartedAt && step.status !== 'completed' && !changed.has(id)) {
        firstStartedAt.set(id, step.firstStartedAt);
      }
      if (step.hadTension) hadTension.add(id);
    }
    return {
      runId,
      workspace,
      workflow,
      inputs: state.inputs,
      concurrency: options.concurrency ?? state.concurrency,
      events,
      kept,
      firstStartedAt,
      hadTension,
      resumePlan: plan,
      isResume: true,
      priorRunningMs: getRunningMsSoFar(state),
      story,
      warnings: events.repairWarning ? [events.repairWarning] : [],
      release: () => lock.release(),
    };
  } catch (error) {
    await lock.release();
    throw error;
  }
}

/** Executes a run to its end and records how it ended. */
export async function executeRun(
  handle: RunHandle,
  options: { registry: ActionRegistry; signal: AbortSignal; autoApprove?: boolean },
): Promise<ExecuteResult> {
  const started = performance.now();
  const narrator = new Narrator(handle.events, { workspace: handle.workspace });
  try {
    if (!handle.isResume) narrator.tellOpening(handle.workflow, handle.concurrency);
    const result = await executeWorkflow({
      workflow: handle.workflow,
      registry: options.registry,
      events: handle.events,
      narrator,
      runId: handle.runId,
      workspace: handle.workspace,
      inputs: handle.inputs,
      concurrency: handle.concurrency,
      signal: options.signal,
      kept: handle.kept,
      firstStartedAt: handle.firstStartedAt,
      hadTension: handle.hadTension,
      getLogPath: (stepId) => getStepLogPath(handle.workspace, handle.runId, stepId),
      gates: new GateKeeper({
        workspace: handle.workspace,
        runId: handle.runId,
        events: handle.events,
        autoApprove: options.autoApprove === true,
      }),
      runChapter: (stepId, ref, inputs, signal, log) =>
        runChapter({
          parent: handle,
          stepId,
          ref,
          inputs,
          registry: options.registry,
          signal,
          autoApprove: options.autoApprove === true,
          log,
        }),
    });
    const durationMs = Math.round(performance.now() - started);
    if (result.status === 'completed') {
      narrator.tellResolution(handle.workflow, handle.priorRunningMs + durationMs);
      handle.events.append('workflow.completed', { durationMs });
    } else if (result.status === 'failed') {
      handle.events.append('workflow.failed', { durationMs, failedSteps: result.failedSteps });
    } else {
      const reason = options.signal.reason;
      handle.events.append('workflow.interrupted', {
        durationMs,
        signal: typeof reason === 'string' ? reason : 'SIGINT',
      });
    }
    await handle.events.flush();
    await handle.story.close();
    handle.warnings.push(...handle.story.warnings);
    await handle.events.close();
    return result;
  } catch (error) {
    // The log broke (a full disk): tell what is on it, let go of it, and say so. The run stays
    // resumable from its last durable event.
    await handle.story.close().catch(() => undefined);
    await handle.events.close().catch(() => undefined);
    throw error;
  } finally {
    await handle.release();
  }
}
