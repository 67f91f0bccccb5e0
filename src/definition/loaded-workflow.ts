// A workflow as loading hands it on: resolved, planned, and what it was made from, carried
// together so that nobody plans it again or asks elsewhere where it came from.

import { buildPlan, type Plan } from '../plan/plan.js';
import type { DefinitionSource, ResolvedWorkflow } from './types.js';

/** One file of a definition as it was read, the workflow's own first. */
export interface LayerRecord {
  kind: DefinitionSource['kind'];
  path: string;
  sha256: string;
  name: string | undefined;
  extends: string | undefined;
}

/** What a resolved workflow was made from: its files and the actions it was checked against. */
export interface Provenance {
  layers: LayerRecord[];
  /** sha256 of the actions' names, universes and schemas, in registry order. */
  registry: string;
}

/** A resolved workflow with its plan and provenance. Treat all of it as read-only: it is shared. */
export interface LoadedWorkflow {
  workflow: ResolvedWorkflow;
  plan: Plan;
  /** Undefined for a workflow not read from files (built in memory): it is never recorded. */
  provenance: Provenance | undefined;
  /** True when it came from a run's record rather than from its files: the record stands. */
  isReused: boolean;
}

/** A workflow built in memory (not read from files), planned now; throws DefinitionError for a cycle. */
export function planWorkflow(workflow: ResolvedWorkflow): LoadedWorkflow {
  return { workflow, plan: buildPlan(workflow), provenance: undefined, isReused: false };
}
