// Executes a started or resumed run to its end: the opening, the scheduler in between, the final
// event and story; the lock is let go of whatever happens.

import { Narrator } from '../../narrative/narrator.js';
import { LocalStepExecutor } from '../executors/local.js';
import { GateKeeper } from '../gates.js';
import { scheduleSteps } from '../scheduler.js';
import type { ExecuteResult } from '../settled.js';
import type { ExecuteRunOptions, ResumeState, RunHandle } from './types.js';

/** What a new run starts from: nothing kept, nothing started before. */
const NEW_RUN: ResumeState = {
  kept: new Map(),
  firstStartedAt: new Map(),
  hadTension: new Set(),
  priorRunningMs: 0,
};

/**
 * Executes a run to its end and records how it ended. Resolves with how it ended and every
 * step's outputs; rejects when the event log broke (the run stays resumable from its last
 * durable event).
 */
export async function executeRun(
  handle: RunHandle,
  options: ExecuteRunOptions,
): Promise<ExecuteResult> {
  const started = performance.now();
  const narrator = new Narrator(handle.events, {
    workspace: handle.workspace,
    actions: options.registry,
  });
  try {
    if (!handle.resumed) narrator.tellOpening(handle.workflow, handle.concurrency);
    const result = await scheduleSteps({
      handle,
      resume: handle.resumed ?? NEW_RUN,
      execution: options,
      local: new LocalStepExecutor(options.registry),
      narrator,
      gates: new GateKeeper({
        workspace: handle.workspace,
        runId: handle.runId,
        events: handle.events,
        autoApprove: options.autoApprove === true,
      }),
    });
    const durationMs = Math.round(performance.now() - started);
    if (result.status === 'completed') {
      const priorRunningMs = handle.resumed?.priorRunningMs ?? 0;
      narrator.tellResolution(handle.workflow, priorRunningMs + durationMs);
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
