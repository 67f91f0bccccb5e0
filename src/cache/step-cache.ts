// The step cache as the engine uses it: a step's fingerprint from its evaluated input, the entry
// that can stand for it (restored), and the entry a completed attempt leaves.

import { type ExpressionContext, interpolate } from '../definition/expressions/evaluate.js';
import type { ResolvedStep } from '../definition/types.js';
import { getProcessMasker } from '../util/secrets.js';
import { type CacheEntry, readEntry, writeEntry } from './entry-store.js';
import { computeFingerprint, describeInputFiles } from './fingerprint.js';
import { restoreEntry } from './restore.js';

/** What a step's fingerprint reads of its evaluated input (see engine/step-input.ts). */
export interface FingerprintInput {
  with: Record<string, unknown>;
  expressionEnv: Record<string, string>;
  env: Record<string, string>;
  shell?: string;
}

/** A step's fingerprint, and the entry found for it or why none serves. */
export type CacheProbe = { fingerprint: string } & ({ entry: CacheEntry } | { miss: string });

/**
 * The fingerprint of a step with `cache:`: its definition after expressions (action, universe,
 * `with`, its own `env`, shell; not the run's environment), its `matrix` when it is a leg, the
 * cache's globs, the matched input files' contents, and `key` (its expressions evaluated).
 */
export async function fingerprintStep(
  workspace: string,
  step: ResolvedStep,
  input: FingerprintInput,
  context: ExpressionContext,
): Promise<string> {
  const cache = step.cache ?? { inputs: [], outputs: [], key: '' };
  const ownEnv = Object.fromEntries(Object.keys(step.env).map((name) => [name, input.env[name]]));
  // A matrix leg carries its values as `matrix` (the matrix feature): each leg is its own entry.
  const { matrix } = step as { matrix?: unknown };
  return computeFingerprint({
    definition: {
      action: step.action,
      universe: step.universe,
      with: input.with,
      expressionEnv: input.expressionEnv,
      env: ownEnv,
      shell: input.shell ?? null,
    },
    ...(matrix === undefined ? {} : { matrix }),
    inputs: cache.inputs,
    outputs: cache.outputs,
    files: await describeInputFiles(workspace, cache.inputs),
    key: String(interpolate(cache.key, context) ?? ''),
  });
}

/** Looks up the entry of a step's fingerprint, checking it without restoring anything. */
export async function probeStepCache(
  workspace: string,
  step: ResolvedStep,
  input: FingerprintInput,
  context: ExpressionContext,
): Promise<CacheProbe> {
  const fingerprint = await fingerprintStep(workspace, step, input, context);
  return { fingerprint, ...(await readEntry(workspace, fingerprint)) };
}

/**
 * Finds the entry of a step's fingerprint and restores its files: `entry` when the step can be
 * reused, else why not (the step runs, and its completion rewrites the entry).
 */
export async function reuseStepCache(
  workspace: string,
  step: ResolvedStep,
  input: FingerprintInput,
  context: ExpressionContext,
): Promise<CacheProbe> {
  const probe = await probeStepCache(workspace, step, input, context);
  if (!('entry' in probe)) return probe;
  const failed = await restoreEntry(workspace, probe.entry);
  return failed === undefined ? probe : { fingerprint: probe.fingerprint, miss: failed };
}

/**
 * Saves what a completed attempt produced as the entry of its fingerprint. Outputs that hold a
 * secret of the environment are not saved (the event log masks them; the cache would not): that
 * throws, and the step is simply not cached.
 */
export async function saveStepCache(
  workspace: string,
  step: ResolvedStep,
  made: { fingerprint: string; workflow: string; runId: string; outputs: Record<string, unknown> },
): Promise<CacheEntry> {
  const text = JSON.stringify(made.outputs);
  if (getProcessMasker().mask(text) !== text) {
    throw new Error('its outputs hold a secret of the environment, which the cache never stores');
  }
  return writeEntry(workspace, made.fingerprint, {
    workflow: made.workflow,
    stepId: step.id,
    runId: made.runId,
    outputs: made.outputs,
    outputPatterns: step.cache?.outputs ?? [],
  });
}
