// Where the step cache meets the engine: before a step with `cache:` runs, its entry may stand for
// it (its files restored); after it completes, what it produced becomes the entry. The cache never
// fails a step: a problem with it is told in the step's log and the step simply runs.

import { reuseStepCache, saveStepCache } from '../cache/step-cache.js';
import type { ExpressionContext } from '../definition/expressions/evaluate.js';
import type { ResolvedStep } from '../definition/types.js';
import type { EventPayloads } from '../events/types.js';
import type { StepInput } from './step-input.js';
import type { StepLogWriter } from './step-log.js';

/** How `workflow.step.completed` marks a step with `cache:`. */
export type CacheMark = NonNullable<EventPayloads['workflow.step.completed']['cache']>;

/** What the cache says of a step about to run. */
export type CacheCheck =
  | { reused: { fingerprint: string; outputs: Record<string, unknown>; from: string } }
  | { fingerprint: string | undefined };

/** The run a step belongs to, as the cache needs it. */
export interface CacheScope {
  workspace: string;
  workflow: string;
  runId: string;
  context: ExpressionContext;
  log: StepLogWriter;
}

/** Looks up (and restores) the entry of a step with `cache:`; undefined for a step without. */
export async function checkStepCache(
  step: ResolvedStep,
  input: StepInput,
  scope: CacheScope,
): Promise<CacheCheck | undefined> {
  if (step.cache === undefined) return undefined;
  try {
    const probe = await reuseStepCache(scope.workspace, step, input, scope.context);
    if ('entry' in probe) {
      const { entry } = probe;
      scope.log.info(
        `reused from run ${entry.runId} (cache ${probe.fingerprint.slice(0, 12)}): ${entry.files.length} file(s) restored, not run again`,
      );
      return {
        reused: { fingerprint: probe.fingerprint, outputs: entry.outputs, from: entry.runId },
      };
    }
    scope.log.info(`cache ${probe.fingerprint.slice(0, 12)}: ${probe.miss}; running the step`);
    return { fingerprint: probe.fingerprint };
  } catch (error) {
    scope.log.info(`cache not used: ${(error as Error).message}`);
    return { fingerprint: undefined };
  }
}

/** Saves a completed step's outputs and files; returns its mark for `workflow.step.completed`. */
export async function storeStepCache(
  step: ResolvedStep,
  fingerprint: string | undefined,
  outputs: Record<string, unknown>,
  scope: CacheScope,
): Promise<CacheMark | undefined> {
  if (fingerprint === undefined) return undefined;
  try {
    const entry = await saveStepCache(scope.workspace, step, {
      fingerprint,
      workflow: scope.workflow,
      runId: scope.runId,
      outputs,
    });
    scope.log.info(`cached as ${fingerprint.slice(0, 12)} with ${entry.files.length} file(s)`);
  } catch (error) {
    scope.log.info(`not cached: ${(error as Error).message}`);
  }
  return { hit: false, fingerprint };
}
