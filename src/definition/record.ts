// A resolved definition recorded with what it was made from (each file's sha256, how `extends`
// found it, the actions, the build), so that resuming a run whose files are unchanged reuses it
// instead of parsing and checking them again.

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { ActionRegistry } from '../actions/registry.js';
import type { Plan } from '../plan/plan.js';
import { hashSha256 } from '../util/hash.js';
import { asRecord, type DefinitionLayer, findBase } from './extends.js';
import type { LayerRecord, LoadedWorkflow, Provenance } from './loaded-workflow.js';
import { stableStringify } from './resolve.js';
import type { DefinitionSource, ResolvedWorkflow } from './types.js';

/** The file the build writes next to the compiled module: a new id for each build. */
export const BUILD_ID_FILE = 'build-id.txt';

const RECORD_FORMAT = 1;

/** A resolved workflow with its plan and provenance, as stored. */
export interface DefinitionRecord extends Provenance {
  format: typeof RECORD_FORMAT;
  build: string;
  workflow: ResolvedWorkflow;
  plan: Omit<Plan, 'dependents'> & { dependents: [string, string[]][] };
}

/**
 * What a workflow was just resolved from: its layers (given bottom first, as merged) and actions.
 * Undefined when a layer was not read from a file (nothing to check it against later).
 */
export function describeProvenance(
  layers: readonly DefinitionLayer[],
  registry: ActionRegistry,
): Provenance | undefined {
  const records: LayerRecord[] = [];
  for (const layer of [...layers].reverse()) {
    const { sha256 } = layer.parsed;
    if (sha256 === undefined) return undefined;
    const data = asRecord(layer.parsed.data);
    records.push({
      kind: layer.source.kind,
      path: layer.source.path,
      sha256,
      name: typeof data?.name === 'string' ? data.name : undefined,
      extends: typeof data?.extends === 'string' ? data.extends : undefined,
    });
  }
  return { layers: records, registry: fingerprintRegistry(registry) };
}

/**
 * The record of a workflow loaded from files, as JSON; undefined for one built otherwise, or
 * holding a value JSON cannot keep (a non-finite number).
 */
export function serializeDefinitionRecord(loaded: LoadedWorkflow): string | undefined {
  const { workflow, plan, provenance } = loaded;
  if (provenance === undefined) return undefined;
  const record: DefinitionRecord = {
    format: RECORD_FORMAT,
    build: getBuildId(),
    ...provenance,
    workflow,
    plan: { ...plan, dependents: [...plan.dependents] },
  };
  let isKeepable = true;
  const text = JSON.stringify(record, (_, value: unknown) => {
    if (typeof value === 'number' && !Number.isFinite(value)) isKeepable = false;
    return value;
  });
  return isKeepable ? text : undefined;
}

/**
 * The recorded workflow, when it was resolved from `source` by this build with the same actions,
 * and every file it read is still where `extends` finds it, byte for byte; else undefined.
 */
export async function reuseDefinitionRecord(
  recorded: unknown,
  source: DefinitionSource,
  options: { workspace: string; registry: ActionRegistry },
): Promise<LoadedWorkflow | undefined> {
  const record = asRecord(recorded) as Partial<DefinitionRecord> | undefined;
  if (
    record?.format !== RECORD_FORMAT ||
    record.build !== getBuildId() ||
    record.registry !== fingerprintRegistry(options.registry) ||
    !Array.isArray(record.layers) ||
    record.layers.length === 0 ||
    record.workflow === undefined ||
    record.plan === undefined ||
    !isPlanOf(record.workflow, record.plan)
  ) {
    return undefined;
  }
  let expected: DefinitionSource = source;
  for (const [index, layer] of record.layers.entries()) {
    if (layer.kind !== expected.kind || layer.path !== expected.path) return undefined;
    const bytes = await readFile(layer.path).catch(() => undefined);
    if (bytes === undefined || hashSha256(bytes) !== layer.sha256) return undefined;
    const isLast = index === record.layers.length - 1;
    if (layer.extends === undefined) {
      if (!isLast) return undefined;
      break;
    }
    if (isLast) return undefined;
    const base = await findBase(layer.extends, layer, options.workspace);
    if (!('path' in base)) return undefined;
    expected = base;
  }
  const { workflow, plan } = record;
  return {
    workflow,
    plan: { ...plan, dependents: new Map(plan.dependents) },
    provenance: { layers: record.layers, registry: record.registry },
    isReused: true,
  };
}

/**
 * Whether a recorded plan orders exactly the recorded steps and lists every dependency edge as a
 * dependent (the scheduler starts dependents from it): a record that disagrees is not used.
 */
function isPlanOf(workflow: ResolvedWorkflow, plan: DefinitionRecord['plan']): boolean {
  if (!Array.isArray(workflow.steps) || !Array.isArray(plan.order)) return false;
  if (!Array.isArray(plan.levels) || !Array.isArray(plan.dependents)) return false;
  const ids = new Set(workflow.steps.map((step) => step?.id));
  if (ids.size !== workflow.steps.length || plan.order.length !== ids.size) return false;
  if (!plan.order.every((id) => ids.has(id))) return false;
  if (plan.levels.flat().length !== ids.size) return false;
  const dependents = new Map(plan.dependents);
  let edges = 0;
  for (const step of workflow.steps) {
    if (!Array.isArray(step.dependsOn)) return false;
    for (const dependency of step.dependsOn) {
      if (!dependents.get(dependency)?.includes(step.id)) return false;
      edges += 1;
    }
  }
  let listed = 0;
  for (const list of dependents.values()) listed += Array.isArray(list) ? list.length : Number.NaN;
  return listed === edges;
}

function fingerprintRegistry(registry: ActionRegistry): string {
  const actions = registry.list().map((adapter) => ({
    name: adapter.name,
    universes: adapter.universes,
    schema: adapter.schema ?? null,
  }));
  return hashSha256(stableStringify(actions));
}

let buildId: string | undefined;

/** This build's id; running from the sources (vitest), "sources". */
function getBuildId(): string {
  if (buildId === undefined) {
    try {
      buildId = readFileSync(new URL(`./${BUILD_ID_FILE}`, import.meta.url), 'utf8').trim();
    } catch (error) {
      // Unreadable: an id no record has, so nothing recorded is reused.
      buildId =
        (error as NodeJS.ErrnoException).code === 'ENOENT'
          ? 'sources'
          : `unreadable-${randomUUID()}`;
    }
  }
  return buildId;
}
