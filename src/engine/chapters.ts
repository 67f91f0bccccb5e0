// Chapters: a step runs another workflow as a linked child run, resumed when the step runs again.

import { existsSync } from 'node:fs';
import type { ActionRegistry } from '../actions/registry.js';
import type { ChapterResult } from '../actions/types.js';
import { loadWorkflow, resolveInputs } from '../definition/load.js';
import { MiaError } from '../errors.js';
import type { MiaEvent } from '../events/types.js';
import { getChapterRunId } from '../store/gate-path.js';
import { getEventsPath } from '../store/paths.js';
import { isRunId } from '../util/names.js';
import { toChapterResult } from '../view/summary.js';
import { createRun, executeRun, loadRunState, type RunHandle, resumeRun } from './run-workflow.js';
import type { StepLogWriter } from './step-log.js';

export interface ChapterOptions {
  parent: RunHandle;
  stepId: string;
  ref: string;
  inputs: Record<string, string>;
  registry: ActionRegistry;
  signal: AbortSignal;
  autoApprove: boolean;
  log: StepLogWriter;
}

/**
 * The child run's id is derived from the parent's and the step's, so when the step runs again
 * (retry or resume) the same chapter is resumed instead of started over.
 */
export async function runChapter(options: ChapterOptions): Promise<ChapterResult> {
  const { parent, stepId, registry } = options;
  const runId = getChapterRunId(parent.runId, stepId);
  if (!isRunId(runId)) {
    throw new MiaError('MIA_CHAPTER_ID', `The chapter run id "${runId}" is too long.`, {
      hint: 'Use a shorter step id for the workflow step.',
      isRetriable: false,
    });
  }
  const load = () => loadWorkflow(options.ref, { workspace: parent.workspace, registry });
  let handle: RunHandle;
  if (existsSync(getEventsPath(parent.workspace, runId))) {
    const resumed = await resumeRun({
      workspace: parent.workspace,
      runId,
      from: undefined,
      concurrency: undefined,
      loadDefinition: load,
      registry,
    });
    if ('nothingToDo' in resumed) return toChapterResult(resumed.nothingToDo);
    handle = resumed;
  } else {
    const workflow = await load();
    handle = await createRun({
      workspace: parent.workspace,
      workflow,
      inputs: resolveInputs(workflow, options.inputs),
      concurrency: parent.concurrency,
      runId,
      parent: { runId: parent.runId, stepId },
    });
  }
  options.log.info(`chapter ${handle.workflow.name} runs as ${runId}`);
  const unsubscribe = handle.events.subscribe((event) => {
    mirror(event, options.log);
    announceGate(event, parent, stepId);
  });
  try {
    await executeRun(handle, {
      registry,
      signal: options.signal,
      autoApprove: options.autoApprove,
    });
  } finally {
    unsubscribe();
  }
  const result = toChapterResult(await loadRunState(parent.workspace, runId));
  if (result.status === 'failed') {
    throw new MiaError(
      'MIA_CHAPTER_FAILED',
      `Chapter "${result.workflow}" (run ${runId}) failed at ${result.failedSteps.join(', ')}.`,
      {
        hint: `See mia workflow status ${runId}; fix the cause and resume this run to continue the chapter.`,
        outputs: { runId, workflow: result.workflow, steps: result.outputs },
      },
    );
  }
  if (result.status === 'interrupted')
    throw options.signal.reason ?? new Error('The chapter was interrupted.');
  return result;
}

/**
 * A gate that opens or is answered inside the chapter (or deeper) is told in the parent run too,
 * on the chapter's step, with its path from the parent (`<step>/<gate>`): the parent's output,
 * status and page show what waits and the command that answers it.
 */
function announceGate(event: MiaEvent, parent: RunHandle, stepId: string): void {
  if (event.type !== 'workflow.step.waiting' && event.type !== 'workflow.step.answered') return;
  const gate = `${stepId}/${event.payload.gate ?? event.payload.stepId}`;
  if (event.type === 'workflow.step.waiting') {
    parent.events.append('workflow.step.waiting', {
      stepId,
      prompt: event.payload.prompt,
      gate,
    });
  } else {
    const { approved, by, automatic } = event.payload;
    parent.events.append('workflow.step.answered', { stepId, approved, by, automatic, gate });
  }
}

/** The parent step's log tells the chapter's steps as they end. */
function mirror(event: MiaEvent, log: StepLogWriter): void {
  if (event.type === 'workflow.step.completed')
    log.write('stdout', `[chapter] ✓ ${event.payload.stepId}\n`);
  else if (event.type === 'workflow.step.failed') {
    log.write('stdout', `[chapter] ✗ ${event.payload.stepId}: ${event.payload.error.message}\n`);
  } else if (event.type === 'workflow.step.skipped') {
    log.write('stdout', `[chapter] ↷ ${event.payload.stepId}: ${event.payload.reason}\n`);
  }
}
