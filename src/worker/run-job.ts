// Runs one attempt a coordinator dispatched: at the dispatched commit, in this worker's checkout
// of it, its expressions evaluated with this worker's environment, through the local executor.

import { join } from 'node:path';
import type { ActionRegistry } from '../actions/registry.js';
import { LocalStepExecutor } from '../engine/executors/local.js';
import { getStepContext, readProcessEnv } from '../engine/run-context.js';
import { prepareStepInput } from '../engine/step-input.js';
import { MiaError } from '../errors.js';
import { type JobResult, type StepJob, toFailedResult } from '../queue/protocol.js';
import type { CommitCheckouts } from './checkouts.js';
import type { StreamWriter } from './stream-writer.js';

/** The variable that marks a step process as a worker's, so that no coordinator reaps it. */
export const WORKER_MARKER_VARIABLE = 'MIA_WORKER';

/** What running dispatched attempts needs. */
export interface JobRunnerOptions {
  registry: ActionRegistry;
  checkouts: CommitCheckouts;
  workerId: string;
}

/** Runs `job` to its end, its output and start told through `writer`; never rejects for the step. */
export async function runJob(
  options: JobRunnerOptions,
  job: StepJob,
  writer: StreamWriter,
  signal: AbortSignal,
): Promise<JobResult> {
  const { step } = job;
  const adapter = options.registry.get(step.action);
  try {
    if (adapter === undefined) {
      throw new MiaError(
        'MIA_ACTION_UNKNOWN',
        `Unknown action "${step.action}" on worker ${options.workerId}.`,
        {
          hint: 'Run the worker from a checkout whose custom actions match the coordinator’s.',
          isRetriable: false,
        },
      );
    }
    const checkout = await options.checkouts.prepare(job.commit);
    const workdir = join(checkout, job.workspacePath);
    const env = { ...readProcessEnv(), [WORKER_MARKER_VARIABLE]: options.workerId };
    const run = {
      inputs: job.inputs,
      steps: job.steps,
      env,
      run: { id: job.runId },
      workflow: { name: job.workflowName },
    };
    // A matrix leg reads its values as `matrix` (they travel with the step).
    const input = prepareStepInput(step, adapter, getStepContext(run, step));
    const refuse = async (): Promise<never> => {
      throw new MiaError(
        'MIA_WORKER_HOME_ONLY',
        `Step "${step.id}" asks for a gate or a chapter, which only the run's own process can open.`,
        {
          hint: 'Give the step `runs_on: local`.',
          isRetriable: false,
        },
      );
    };
    const result = await new LocalStepExecutor(options.registry).runAttempt(step, {
      with: input.with,
      expressionEnv: input.expressionEnv,
      env: input.env,
      ...(input.shell === undefined ? {} : { shell: input.shell }),
      inputs: job.inputs,
      workdir,
      stepId: step.id,
      runId: job.runId,
      attempt: job.attempt,
      firstStartedAt: new Date(job.firstStartedAt),
      signal,
      log: writer,
      requestApproval: refuse,
      runWorkflow: refuse,
    });
    if (result.status === 'completed') return result;
    return toFailedResult(signal.aborted ? signal.reason : result.error, result.outputs);
  } catch (error) {
    return toFailedResult(error, {});
  }
}
