// One plan per resolved workflow: resuming plans the run, then executes it, without planning twice.

import type { ResolvedWorkflow } from '../definition/types.js';
import { buildPlan, type Plan } from '../plan/plan.js';

const plans = new WeakMap<ResolvedWorkflow, Plan>();

/** The plan of `workflow`, built on first use; treat it as read-only, it is shared. */
export function getPlan(workflow: ResolvedWorkflow): Plan {
  let plan = plans.get(workflow);
  if (!plan) {
    plan = buildPlan(workflow);
    plans.set(workflow, plan);
  }
  return plan;
}
