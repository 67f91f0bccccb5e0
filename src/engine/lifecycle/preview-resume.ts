// What `resume` would do, without doing it: reads the run and its definition, decides what runs
// again as resumeRun does, and takes no lock and writes nothing (for `resume --dry-run`).

import type { ActionRegistry } from '../../actions/registry.js';
import type { LoadedWorkflow } from '../../definition/loaded-workflow.js';
import { RunLockedError, UsageError } from '../../errors.js';
import { readDefinitionFile } from '../../store/definition-file.js';
import { readRunLock } from '../../store/lock.js';
import { getRunDir } from '../../store/paths.js';
import { readRunEvents } from '../../store/run-events.js';
import { formatSuggestion } from '../../util/suggest.js';
import { foldRunState, markCrashed } from '../../view/fold.js';
import type { RunState } from '../../view/run-state.js';
import { findOutdatedSteps } from '../outdated.js';
import { collectResumeState, isStepOfRun, planResume } from '../resume-plan.js';

/** A resume as it would go: its definition, inputs and kept steps; or nothing to do. */
export type ResumePreview =
  | {
      loaded: LoadedWorkflow;
      inputs: Record<string, string>;
      kept: ReadonlyMap<string, Record<string, unknown>>;
    }
  | { nothingToDo: RunState };

/** Works out what resuming `runId` (from `from`) would re-run and keep. */
export async function previewResume(options: {
  workspace: string;
  runId: string;
  from: string | undefined;
  loadDefinition(state: RunState, recorded: unknown): Promise<LoadedWorkflow>;
  registry: ActionRegistry;
}): Promise<ResumePreview> {
  const { workspace, runId, from } = options;
  // As resume itself: a run another live process holds cannot be resumed, so has no preview.
  const holder = await readRunLock(getRunDir(workspace, runId));
  if (holder) throw new RunLockedError(runId, holder.pid);
  const state = foldRunState((await readRunEvents(workspace, runId)).events);
  markCrashed(state);
  const loaded = await options.loadDefinition(state, await readDefinitionFile(workspace, runId));
  const ids = loaded.workflow.steps.map((step) => step.id);
  if (from !== undefined && !isStepOfRun(state, loaded.workflow, from)) {
    throw new UsageError(
      `Run ${runId} has no step "${from}".${formatSuggestion(from, ids)}`,
      `Steps: ${ids.join(', ')}; a matrix step's legs are \`<step>(<values>)\`, as \`mia workflow status ${runId}\` lists them.`,
    );
  }
  const outdated = await findOutdatedSteps(state, loaded.workflow, options.registry, workspace);
  const plan = planResume(state, loaded, from, outdated);
  if (state.status === 'completed' && from === undefined && plan.rerun.length === 0) {
    return { nothingToDo: state };
  }
  return { loaded, inputs: state.inputs, kept: collectResumeState(state, plan).kept };
}
