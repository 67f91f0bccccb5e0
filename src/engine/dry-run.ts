// A dry run: what each step of a run would do (run, be skipped, come from the cache, or be decided
// only while the run goes), worked out without running anything or writing anything.

import type { ActionRegistry } from '../actions/registry.js';
import { verifyEntry } from '../cache/restore.js';
import { probeStepCache } from '../cache/step-cache.js';
import {
  collectReferences,
  type ExpressionContext,
  findExpressions,
  isConditionTrue,
} from '../definition/expressions/evaluate.js';
import type { ResolvedStep, ResolvedWorkflow } from '../definition/types.js';
import type { Plan } from '../plan/plan.js';
import { createRunContext, recordSettled } from './run-context.js';
import { prepareStepInput } from './step-input.js';

/** What a step would do: run, be skipped, be reused from the cache, or be decided at run time. */
export type DryRunVerdict = 'runs' | 'skipped' | 'cache' | 'runtime';

export interface DryRunStep {
  id: string;
  action: string;
  verdict: DryRunVerdict;
  /** Why it is skipped, decided at run time, or not reused. */
  reason?: string;
  /** For `cache`: the run whose entry it would reuse, and the entry's fingerprint. */
  from?: string;
  fingerprint?: string;
}

export interface DryRunOptions {
  workspace: string;
  workflow: ResolvedWorkflow;
  plan: Plan;
  inputs: Record<string, string>;
  registry: ActionRegistry;
  /** Steps a resume keeps, with their outputs (empty for a new run). */
  kept: ReadonlyMap<string, Record<string, unknown>>;
  /** The run's id when it has one (a resume); a new run's id is not known yet. */
  runId: string | undefined;
  noCache: boolean;
}

/** Each step's verdict, in the plan's order. */
export async function planDryRun(options: DryRunOptions): Promise<DryRunStep[]> {
  const { workflow, kept } = options;
  const context = createRunContext({
    inputs: options.inputs,
    runId: options.runId ?? '',
    workflowName: workflow.name,
    kept,
  });
  const steps = new Map(workflow.steps.map((step) => [step.id, step]));
  const verdicts = new Map<string, DryRunStep>();
  // Steps whose outputs are known before the run: kept ones and those from the cache.
  const known = new Set(kept.keys());
  for (const id of options.plan.order) {
    const step = steps.get(id);
    if (!step) continue;
    const judge = (verdict: DryRunVerdict, more: Partial<DryRunStep> = {}) =>
      verdicts.set(id, { id, action: step.action, verdict, ...more });
    if (kept.has(id)) {
      judge('skipped', { reason: 'completed earlier in this run: kept' });
      continue;
    }
    const unknown = (texts: unknown) => findUnknownReference(texts, known, options.runId);
    const matrix = step.strategy?.matrix;
    if (matrix !== undefined && unknown(matrix)) {
      judge('runtime', { reason: `its matrix reads ${unknown(matrix)}, known only at run time` });
      continue;
    }
    if (step.when !== undefined) {
      const reads = unknown(step.when);
      if (reads) {
        judge('runtime', { reason: `its condition reads ${reads}, known only at run time` });
        continue;
      }
      const condition = judgeCondition(step.when, context);
      if (condition !== true) {
        judge(condition === false ? 'skipped' : 'runtime', {
          reason:
            condition === false
              ? `its condition "${String(step.when)}" is false`
              : `its condition cannot be evaluated yet: ${condition}`,
        });
        continue;
      }
    }
    if (step.strategy !== undefined && step.cache !== undefined && !options.noCache) {
      judge('runtime', { reason: "each leg's cache entry is looked up as the leg starts" });
      continue;
    }
    if (step.cache === undefined || options.noCache) {
      judge('runs', step.cache ? { reason: 'the cache is off (--no-cache)' } : {});
      continue;
    }
    const cached = await judgeCache(step, options, context, {
      unknown: unknown([step.with, step.env, step.cache.key]),
      upstream: findRunningAncestor(step, steps, verdicts),
    });
    judge(cached.verdict, cached);
    if (cached.verdict === 'cache') known.add(id);
  }
  return options.plan.order.flatMap((id) => verdicts.get(id) ?? []);
}

async function judgeCache(
  step: ResolvedStep,
  options: DryRunOptions,
  context: ExpressionContext,
  found: { unknown: string | undefined; upstream: string | undefined },
): Promise<Omit<DryRunStep, 'id' | 'action'>> {
  if (found.unknown) {
    return {
      verdict: 'runtime',
      reason: `its cache fingerprint reads ${found.unknown}, known only at run time`,
    };
  }
  if (found.upstream && (step.cache?.inputs.length ?? 0) > 0) {
    return {
      verdict: 'runtime',
      reason: `its cache depends on input files that step "${found.upstream}" may change first`,
    };
  }
  const adapter = options.registry.get(step.action);
  if (!adapter) return { verdict: 'runs' };
  try {
    const input = prepareStepInput(step, adapter, context);
    const probe = await probeStepCache(options.workspace, step, input, context);
    if (!('entry' in probe)) return { verdict: 'runs', reason: probe.miss };
    if (!(await verifyEntry(options.workspace, probe.entry))) {
      return { verdict: 'runs', reason: 'its cache entry is damaged' };
    }
    recordSettled(context, step.id, { status: 'completed', outputs: probe.entry.outputs });
    return { verdict: 'cache', from: probe.entry.runId, fingerprint: probe.fingerprint };
  } catch (error) {
    return {
      verdict: 'runtime',
      reason: `its cache cannot be checked yet: ${(error as Error).message}`,
    };
  }
}

function judgeCondition(when: string | boolean, context: ExpressionContext): boolean | string {
  try {
    return isConditionTrue(when, context);
  } catch (error) {
    return (error as Error).message;
  }
}

/** The first thing `value`'s expressions read that is unknown before the run, e.g. `steps.build`. */
function findUnknownReference(
  value: unknown,
  known: ReadonlySet<string>,
  runId: string | undefined,
): string | undefined {
  if (typeof value === 'string') {
    for (const span of findExpressions(value)) {
      for (const [context, name] of collectReferences(span.source)) {
        if (context === 'steps' && (name === undefined || !known.has(name))) {
          return name === undefined ? 'steps' : `steps.${name}`;
        }
        if (context === 'run' && runId === undefined) return 'run.id';
        // A matrix value differs from leg to leg: only the legs, at run time, know it.
        if (context === 'matrix') return name === undefined ? 'matrix' : `matrix.${name}`;
      }
    }
    return undefined;
  }
  if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) {
      const found = findUnknownReference(item, known, runId);
      if (found) return found;
    }
  }
  return undefined;
}

/** An upstream step (direct or not) that would run: it may change files before `step` starts. */
function findRunningAncestor(
  step: ResolvedStep,
  steps: ReadonlyMap<string, ResolvedStep>,
  verdicts: ReadonlyMap<string, DryRunStep>,
): string | undefined {
  const seen = new Set<string>();
  const stack = [...step.dependsOn];
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    const verdict = verdicts.get(id)?.verdict;
    if (verdict === 'runs' || verdict === 'runtime') return id;
    stack.push(...(steps.get(id)?.dependsOn ?? []));
  }
  return undefined;
}
