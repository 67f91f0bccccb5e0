// Chapters: a step runs another workflow as a linked child run, resumed when the step runs again.

import { existsSync } from 'node:fs';
import type { ChapterResult, StepLog } from '../actions/types.js';
import { loadWorkflow, resolveInputs } from '../definition/load.js';
import type { ResolvedWorkflow } from '../definition/types.js';
import { MiaError } from '../errors.js';
import type { MiaEvent } from '../events/types.js';
import { readEvents } from '../store/event-reader.js';
import { getChapterRunId } from '../store/gate-path.js';
import { getEventsPath } from '../store/paths.js';
import { loadRunState } from '../store/run-events.js';
import { isRunId } from '../util/names.js';
import { toChapterResult } from '../view/summary.js';
import { executeRun } from './lifecycle/execute-run.js';
import { resumeRun } from './lifecycle/resume-run.js';
import { startRun } from './lifecycle/start-run.js';
import type { ChapterRequest, ChapterRunner, RunHandle } from './lifecycle/types.js';
import type { ExecuteResult } from './settled.js';

/**
 * Runs a step's chapter: a linked child run, executed as its parent is. The child run's id is
 * derived from the parent's and the step's, so when the step's execution goes on (a retry, or a
 * resume after a failure or a crash) the same chapter is resumed instead of started over. When the
 * step runs anew (`--from`, a changed definition, an upstream step that ran again) or gives other
 * inputs, the chapter runs again from its start, with those inputs. The composition root (the
 * CLI) hands this to executeRun; the engine itself never imports it.
 */
export const runChapter: ChapterRunner = async (request) => {
  const { parent, stepId, execution } = request;
  const { registry } = execution;
  const runId = getChapterRunId(parent.runId, stepId);
  if (!isRunId(runId)) {
    throw new MiaError('MIA_CHAPTER_ID', `The chapter run id "${runId}" is too long.`, {
      hint: 'Use a shorter step id for the workflow step.',
      isRetriable: false,
    });
  }
  const loaded = await loadWorkflow(request.ref, { workspace: parent.workspace, registry });
  await refuseRecursion(parent, loaded.workflow.name);
  let handle: RunHandle;
  if (existsSync(getEventsPath(parent.workspace, runId))) {
    const restart = await findRestart(request, runId, loaded.workflow);
    const resumed = await resumeRun({
      workspace: parent.workspace,
      runId,
      from: undefined,
      concurrency: undefined,
      loadDefinition: async () => loaded,
      registry,
      fs: execution.eventLogFs,
      ...(restart ? { restart: { inputs: restart.inputs } } : {}),
    });
    if (restart) {
      request.log.info(`chapter ${loaded.workflow.name} runs again from its start: ${restart.why}`);
    }
    if ('nothingToDo' in resumed) return toChapterResult(resumed.nothingToDo);
    handle = resumed;
  } else {
    handle = await startRun({
      workspace: parent.workspace,
      loaded,
      inputs: resolveInputs(loaded.workflow, request.inputs),
      concurrency: parent.concurrency,
      runId,
      parent: { runId: parent.runId, stepId },
      fs: execution.eventLogFs,
    });
  }
  request.log.info(`chapter ${handle.workflow.name} runs as ${runId}`);
  const unsubscribe = handle.events.subscribe((event) => {
    mirror(event, request.log);
    announceGate(event, request);
  });
  let executed: ExecuteResult;
  try {
    executed = await executeRun(handle, { ...execution, signal: request.signal });
  } finally {
    unsubscribe();
  }
  const result = summarizeResult(runId, handle.workflow.name, executed);
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
    throw request.signal.reason ?? new Error('The chapter was interrupted.');
  return result;
};

/** How the chapter's execution ended, as its step sees it. */
function summarizeResult(runId: string, workflow: string, result: ExecuteResult): ChapterResult {
  const { status, outputs, failedSteps } = result;
  return { runId, workflow, status, outputs, failedSteps };
}

/**
 * Refuses a chapter that would run inside itself: its workflow is the parent's or an ancestor's.
 * Definitions refuse a workflow that includes itself; this catches one named by an expression.
 */
async function refuseRecursion(parent: ChapterRequest['parent'], name: string): Promise<void> {
  const chain = [parent.workflow.name];
  let state = await loadRunState(parent.workspace, parent.runId);
  while (state.parent !== undefined) {
    state = await loadRunState(parent.workspace, state.parent.runId);
    chain.unshift(state.workflow);
  }
  if (!chain.includes(name)) return;
  throw new MiaError(
    'MIA_CHAPTER_RECURSION',
    `Chapter "${name}" would run inside itself: ${[...chain, name].join(' -> ')}.`,
    {
      hint: 'A workflow cannot include itself, directly or through others: name another workflow in `with.workflow` (here its expression gave one the run is already inside).',
      isRetriable: false,
    },
  );
}

/**
 * Whether the chapter must run again from its start, and with which inputs: when the step's
 * current execution began after the chapter's (the step runs anew), or gives it other inputs.
 * A chapter that now names another workflow than the one its run holds is refused.
 */
async function findRestart(
  request: ChapterRequest,
  runId: string,
  workflow: ResolvedWorkflow,
): Promise<{ inputs: Record<string, string>; why: string } | undefined> {
  const { events } = await readEvents(getEventsPath(request.parent.workspace, runId));
  const started = events[0];
  if (started?.type !== 'workflow.started') return undefined;
  if (started.payload.workflow !== workflow.name) {
    throw new MiaError(
      'MIA_CHAPTER_OTHER_WORKFLOW',
      `Step "${request.stepId}" now runs workflow "${workflow.name}", but its chapter run ${runId} is workflow "${started.payload.workflow}".`,
      {
        hint: `Give the step a new id (a new step has a chapter of its own), or run it again with \`mia workflow run\`.`,
        isRetriable: false,
      },
    );
  }
  // The chapter's life began with its start, or with its latest run from the start.
  let life: { timestamp: string; inputs: Record<string, string> } = {
    timestamp: started.timestamp,
    inputs: started.payload.inputs,
  };
  for (const event of events) {
    if (event.type === 'workflow.resumed' && event.payload.inputs) {
      life = { timestamp: event.timestamp, inputs: event.payload.inputs };
    }
  }
  const inputs = resolveInputs(workflow, request.inputs);
  if (Date.parse(life.timestamp) < request.firstStartedAt.getTime()) {
    return { inputs, why: `step "${request.stepId}" runs again.` };
  }
  if (JSON.stringify(sortKeys(life.inputs)) !== JSON.stringify(sortKeys(inputs))) {
    return { inputs, why: `step "${request.stepId}" gives it other inputs.` };
  }
  return undefined;
}

function sortKeys(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * A gate that opens or is answered inside the chapter (or deeper) is told in the parent run too,
 * on the chapter's step, with its path from the parent (`<step>/<gate>`): the parent's output,
 * status and page show what waits and the command that answers it.
 */
function announceGate(event: MiaEvent, { parent, stepId }: ChapterRequest): void {
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
function mirror(event: MiaEvent, log: StepLog): void {
  if (event.type === 'workflow.step.completed')
    log.write('stdout', `[chapter] ✓ ${event.payload.stepId}\n`);
  else if (event.type === 'workflow.step.failed') {
    log.write('stdout', `[chapter] ✗ ${event.payload.stepId}: ${event.payload.error.message}\n`);
  } else if (event.type === 'workflow.step.skipped') {
    log.write('stdout', `[chapter] ↷ ${event.payload.stepId}: ${event.payload.reason}\n`);
  }
}
