// Turns a checked definition into what the planner and the engine consume, and applies run inputs.

import { createHash } from 'node:crypto';
import type { ActionRegistry } from '../actions/registry.js';
import { UsageError } from '../errors.js';
import { parseDuration } from '../util/duration.js';
import { formatSuggestion } from '../util/suggest.js';
import { asRecord, type MergedDefinition, type MergedStep } from './extends.js';
import { resolveStrategy } from './legs.js';
import type {
  DefinitionSource,
  InputDefinition,
  ResolvedStep,
  ResolvedWorkflow,
  StepShell,
  Universe,
} from './types.js';

/** Retry of a step that declares none: one attempt. */
export const DEFAULT_RETRY = { attempts: 1, delayMs: 1000, backoff: 'fixed' } as const;

/**
 * Resolves a merged definition that passed every check: universes defaulted from the action,
 * durations in milliseconds, env values as strings, input defaults as strings, and each step's hash.
 */
export function resolveWorkflow(
  merged: MergedDefinition,
  registry: ActionRegistry,
  source: DefinitionSource,
): ResolvedWorkflow {
  const data = merged.data;
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return {
    name: String(data.name),
    narrative: String(data.narrative),
    description: text(data.description),
    inputs: resolveInputDefinitions(data.inputs),
    concurrency: typeof data.concurrency === 'number' ? data.concurrency : undefined,
    steps: merged.steps.map((step) => resolveStep(step, registry, asRecord(data.defaults) ?? {})),
    source,
    extends: text(data.extends),
  };
}

function resolveInputDefinitions(value: unknown): Record<string, InputDefinition> {
  return Object.fromEntries(
    Object.entries(asRecord(value) ?? {}).map(([name, raw]) => {
      const input = asRecord(raw) ?? {};
      const resolved: InputDefinition = {};
      if (typeof input.description === 'string') resolved.description = input.description;
      if (input.default !== undefined && input.default !== null) {
        resolved.default = String(input.default);
      }
      if (typeof input.required === 'boolean') resolved.required = input.required;
      return [name, resolved];
    }),
  );
}

function resolveStep(
  step: MergedStep,
  registry: ActionRegistry,
  defaults: Record<string, unknown>,
): ResolvedStep {
  const data = step.data;
  const action = String(data.action);
  const adapter = registry.get(action);
  const withValues = asRecord(data.with) ?? {};
  const takesCwd = asRecord(asRecord(adapter?.schema)?.properties)?.cwd !== undefined;
  // `defaults.cwd` is the `cwd` of every action that takes one and has none of its own.
  const cwd = takesCwd && withValues.cwd === undefined ? defaults.cwd : undefined;
  const universe = (data.universe ?? adapter?.universes[0] ?? 'engineer') as Universe;
  const retry = asRecord(data.retry);
  const resolvedRetry = {
    attempts: typeof retry?.attempts === 'number' ? retry.attempts : DEFAULT_RETRY.attempts,
    delayMs: toMs(retry?.delay) ?? DEFAULT_RETRY.delayMs,
    backoff: retry?.backoff === 'exponential' ? ('exponential' as const) : DEFAULT_RETRY.backoff,
  };
  const env = Object.fromEntries(
    Object.entries(asRecord(data.env) ?? {}).map(([key, value]) => [key, String(value)]),
  );
  const resolved: Omit<ResolvedStep, 'hash'> = {
    id: String(data.id),
    action,
    universe,
    beat: typeof data.beat === 'string' ? data.beat : undefined,
    tension: typeof data.tension === 'string' ? data.tension : undefined,
    dependsOn: Array.isArray(data.depends_on) ? data.depends_on.map(String) : [],
    when: typeof data.when === 'string' || typeof data.when === 'boolean' ? data.when : undefined,
    with: typeof cwd === 'string' ? { ...withValues, cwd } : withValues,
    env,
    timeoutMs: toMs(data.timeout),
    retry: resolvedRetry,
    continueOnError: data.continue_on_error === true,
    position: step.locate([]),
  };
  if (adapter?.scriptField !== undefined) {
    resolved.shell = (data.shell ?? defaults.shell ?? 'default') as StepShell;
  }
  const strategy = resolveStrategy(resolved.id, data.strategy);
  if (strategy !== undefined) resolved.strategy = strategy;
  const cache = asRecord(data.cache);
  if (cache) resolved.cache = resolveCache(cache);
  return { ...resolved, hash: hashStep(resolved) };
}

function resolveCache(cache: Record<string, unknown>): NonNullable<ResolvedStep['cache']> {
  const list = (value: unknown) => (Array.isArray(value) ? value.map(String) : []);
  return {
    inputs: list(cache.inputs),
    outputs: list(cache.outputs),
    key: typeof cache.key === 'string' ? cache.key : '',
  };
}

/**
 * sha256 of what a step does (action, universe, with, env, when, timeout, retry,
 * continue_on_error, a shell it names, a strategy), not of how it is told (beat, tension) nor of its place in
 * the graph. The default shell is left out, so steps written before `shell:` keep their hash.
 */
export function hashStep(
  step: Pick<
    ResolvedStep,
    | 'action'
    | 'universe'
    | 'with'
    | 'env'
    | 'when'
    | 'timeoutMs'
    | 'retry'
    | 'continueOnError'
    | 'shell'
    | 'strategy'
  >,
): string {
  const what = {
    action: step.action,
    universe: step.universe,
    with: step.with,
    env: step.env,
    when: step.when ?? null,
    timeoutMs: step.timeoutMs ?? null,
    retry: step.retry,
    continueOnError: step.continueOnError,
    shell: step.shell === 'default' ? undefined : step.shell,
    // Absent on a step without a matrix, so that its hash is what it was before `strategy:`.
    strategy: step.strategy && {
      matrix: step.strategy.matrix,
      maxParallel: step.strategy.maxParallel,
      failFast: step.strategy.failFast,
    },
  };
  return createHash('sha256').update(stableStringify(what)).digest('hex');
}

/** JSON with object keys sorted, so equal values always give equal text. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  // Built by concatenation: this runs for every step of every load.
  if (Array.isArray(value)) {
    let text = '[';
    for (let index = 0; index < value.length; index++) {
      text += `${index === 0 ? '' : ','}${stableStringify(value[index])}`;
    }
    return `${text}]`;
  }
  const record = value as Record<string, unknown>;
  let text = '{';
  // Default sort: by UTF-16 code units, as the keys' order must never vary.
  for (const key of Object.keys(record).sort()) {
    const item = record[key];
    if (item === undefined) continue;
    text += `${text === '{' ? '' : ','}${JSON.stringify(key)}:${stableStringify(item)}`;
  }
  return `${text}}`;
}

function toMs(value: unknown): number | undefined {
  return typeof value === 'string' || typeof value === 'number' ? parseDuration(value) : undefined;
}

/**
 * The inputs of a run: given values, then defaults; a declared input with neither is ''.
 * Throws UsageError for an undeclared input (with "did you mean") or a missing required one.
 */
export function resolveInputs(
  workflow: Pick<ResolvedWorkflow, 'name' | 'inputs'>,
  given: Record<string, string>,
): Record<string, string> {
  const declared = Object.keys(workflow.inputs);
  const unknown = Object.keys(given).filter((name) => !Object.hasOwn(workflow.inputs, name));
  if (unknown.length > 0) {
    const list =
      declared.length > 0 ? `Declared inputs: ${declared.join(', ')}.` : 'It declares no inputs.';
    const lines = unknown.map(
      (name) =>
        `Unknown input "${name}" for workflow "${workflow.name}".${formatSuggestion(name, declared)}`,
    );
    throw new UsageError(
      `${lines.join(' ')} ${list}`,
      'Pass only the inputs the workflow declares, as --input name=value.',
    );
  }
  const missing = declared.filter((name) => {
    const input = workflow.inputs[name];
    return input?.required === true && input.default === undefined && !Object.hasOwn(given, name);
  });
  if (missing.length > 0) {
    throw new UsageError(
      `Workflow "${workflow.name}" needs ${missing.map((name) => `--input ${name}=value`).join(' ')}.`,
      `Give ${missing.length > 1 ? 'each required input' : 'the required input'} on the command line.`,
    );
  }
  return Object.fromEntries(
    declared.map((name) => [
      name,
      Object.hasOwn(given, name) ? String(given[name]) : (workflow.inputs[name]?.default ?? ''),
    ]),
  );
}
