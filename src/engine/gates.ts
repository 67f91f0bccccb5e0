// Gates: a step that waits for a person. Answers arrive as files, so any process can give them.

import { watch } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import type { ApprovalAnswer } from '../events/types.js';
import { getApprovalPath, getApprovalsDir, readApproval } from '../store/approvals.js';
import type { EventLog } from '../store/event-log.js';

/** How often a waiting gate looks for its answer when file watching says nothing. */
const POLL_MS = 500;

export interface GateOptions {
  workspace: string;
  runId: string;
  events: EventLog;
  /** `--yes`: every gate is approved at once, recorded as automatic. */
  autoApprove: boolean;
}

/** Opens gates for the steps of one run. */
export class GateKeeper {
  readonly #options: GateOptions;

  constructor(options: GateOptions) {
    this.#options = options;
  }

  /**
   * Records `workflow.step.waiting` and resolves with the answer. An answer given since the step
   * first started counts, so a gate answered while its run was down is released on resume
   * (without announcing a wait). A taken answer is removed: a gate opened again asks again.
   */
  async open(
    stepId: string,
    prompt: string,
    since: Date,
    signal: AbortSignal,
  ): Promise<ApprovalAnswer> {
    const { workspace, runId, events } = this.#options;
    const given = this.#options.autoApprove
      ? undefined
      : await readApproval(workspace, runId, stepId, since);
    if (given) return this.#take(stepId, given);
    events.append('workflow.step.waiting', { stepId, prompt });
    if (this.#options.autoApprove) {
      const automatic = { approved: true, by: '--yes', reason: undefined, automatic: true };
      this.#tell(stepId, automatic);
      return automatic;
    }
    const dir = getApprovalsDir(workspace, runId);
    await mkdir(dir, { recursive: true });
    const answer = await new Promise<ApprovalAnswer>((resolve, reject) => {
      let isChecking = false;
      const check = async () => {
        if (isChecking) return;
        isChecking = true;
        const answer = await readApproval(workspace, runId, stepId, since);
        isChecking = false;
        if (answer) finish(() => resolve(answer));
      };
      const watcher = watch(dir, () => void check());
      watcher.on('error', () => {});
      const timer = setInterval(() => void check(), POLL_MS);
      const onAbort = () => finish(() => reject(signal.reason));
      const finish = (settle: () => void) => {
        clearInterval(timer);
        watcher.close();
        signal.removeEventListener('abort', onAbort);
        settle();
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      void check();
    });
    return this.#take(stepId, answer);
  }

  /** Removes a gate's answer once it is acted on, so a rejection is not taken again on resume. */
  async #take(stepId: string, answer: ApprovalAnswer): Promise<ApprovalAnswer> {
    const { workspace, runId } = this.#options;
    await rm(getApprovalPath(workspace, runId, stepId), { force: true });
    this.#tell(stepId, answer);
    return answer;
  }

  /** Records that the gate has its answer: the step no longer waits. */
  #tell(stepId: string, answer: ApprovalAnswer): void {
    this.#options.events.append('workflow.step.answered', {
      stepId,
      approved: answer.approved,
      by: answer.by,
      automatic: answer.automatic,
    });
  }
}
