// Resumes a run: takes its lock, reloads its definition, decides what runs again, and records
// `workflow.resumed`; the handle it returns carries what the earlier sessions left.

import { access } from 'node:fs/promises';
import type { ActionRegistry } from '../../actions/registry.js';
import type { LoadedWorkflow } from '../../definition/loaded-workflow.js';
import { UsageError } from '../../errors.js';
import { StoryWriter, writeRunStory } from '../../narrative/story-writer.js';
import { readDefinitionFile, writeDefinitionFile } from '../../store/definition-file.js';
import { EventLog, type EventLogFs } from '../../store/event-log.js';
import { acquireRunLock } from '../../store/lock.js';
import { getEventsPath, getRunDir } from '../../store/paths.js';
import { readRunEvents } from '../../store/run-events.js';
import { formatSuggestion } from '../../util/suggest.js';
import { foldRunState, markCrashed } from '../../view/fold.js';
import type { RunState } from '../../view/run-state.js';
import { reapOrphans } from '../orphans.js';
import { findOutdatedSteps } from '../outdated.js';
import { collectResumeState, isStepOfRun, planResume } from '../resume-plan.js';
import { describeHead, describeSteps } from '../run-description.js';
import type { RunHandle } from './types.js';

/**
 * Opens an existing run to resume it: takes its lock (refused while another process holds it),
 * reloads the definition, and records `workflow.resumed` with what re-runs and what is kept.
 * A completed run whose definition is unchanged has nothing to do: its state is returned.
 */
export async function resumeRun(options: {
  workspace: string;
  runId: string;
  from: string | undefined;
  concurrency: number | undefined;
  /** `recorded`: the definition recorded for the run, if any (see LoadOptions.recorded). */
  loadDefinition(state: RunState, recorded: unknown): Promise<LoadedWorkflow>;
  /** The actions, asked whether completed steps still hold (see findOutdatedSteps). */
  registry?: ActionRegistry;
  /** The event log's file layer (tests inject disk faults through it). */
  fs?: EventLogFs;
  /** A chapter run again from its start, with these inputs: every step runs, none is kept. */
  restart?: { inputs: Record<string, string> };
}): Promise<RunHandle | { nothingToDo: RunState }> {
  const { workspace, runId, restart } = options;
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
    const loaded = await options.loadDefinition(state, await readDefinitionFile(workspace, runId));
    const { workflow } = loaded;
    if (options.from !== undefined && !isStepOfRun(state, workflow, options.from)) {
      const ids = workflow.steps.map((s) => s.id);
      throw new UsageError(
        `Run ${runId} has no step "${options.from}".${formatSuggestion(options.from, ids)}`,
        `Steps: ${ids.join(', ')}; a matrix step's legs are \`<step>(<values>)\`, as \`mia workflow status ${runId}\` lists them.`,
      );
    }
    if (state.status === 'completed' && options.from === undefined && !restart) {
      if (!planResume(state, loaded, undefined).definitionChanged) {
        // A process killed right after its last event never wrote the story: write it now.
        await writeRunStory(workspace, contents.events);
        await lock.release();
        return { nothingToDo: state };
      }
    }
    const outdated = options.registry
      ? await findOutdatedSteps(state, workflow, options.registry, workspace)
      : {};
    const from = restart ? workflow.steps.map((step) => step.id) : options.from;
    const plan = planResume(state, loaded, from, outdated);
    if (!loaded.isReused) await writeDefinitionFile(workspace, runId, loaded);
    const events = await EventLog.open(workspace, runId, { fs: options.fs, contents });
    const story = new StoryWriter(workspace, events);
    events.append('workflow.resumed', {
      rerun: plan.rerun,
      kept: plan.kept,
      definitionChanged: plan.definitionChanged,
      steps: describeSteps(workflow),
      from: options.from ?? null,
      ...(Object.keys(outdated).length > 0 ? { outdated } : {}),
      ...(restart ? { inputs: restart.inputs } : {}),
      pid: process.pid,
      ...(await describeHead(workspace)),
    });
    return {
      runId,
      workspace,
      workflow,
      plan: loaded.plan,
      inputs: restart?.inputs ?? state.inputs,
      concurrency: options.concurrency ?? state.concurrency,
      parent: state.parent,
      events,
      resumed: collectResumeState(state, plan),
      story,
      warnings: events.repairWarning ? [events.repairWarning] : [],
      release: () => lock.release(),
    };
  } catch (error) {
    await lock.release();
    throw error;
  }
}
