// One plan per resolved workflow: the loader's plan is reused by resume and the executor.

import type { ResolvedWorkflow } from '../definition/types.js';
import { buildPlan, type Plan } from './plan.js';

const plans = new WeakMap<ResolvedWorkflow, Plan>();

/** The plan of `workflow`: the one remembered for it, else built now; treat it as read-only, it is shared. */
export function getPlan(workflow: ResolvedWorkflow): Plan {
  let plan = plans.get(workflow);
  if (!plan) {
    plan = buildPlan(workflow);
    plans.set(workflow, plan);
  }
  return plan;
}

/** Remembers the plan made while checking `workflow`, so that it is not planned again. */
export function rememberPlan(workflow: ResolvedWorkflow, plan: Plan): void {
  plans.set(workflow, plan);
}
