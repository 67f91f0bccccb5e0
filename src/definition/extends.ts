// `extends`: follows a workflow's chain of templates and merges it into one definition, positions kept.

import { type DefinitionProblem, MiaError, type SourcePosition } from '../errors.js';
import { formatSuggestion } from '../util/suggest.js';
import { findTemplate, findWorkflow } from './lookup.js';
import type { DataPath, ParsedFile } from './parse.js';
import type { DefinitionSource } from './types.js';

/** Longest chain of `extends` (a workflow, its template, that template's template…). */
export const MAX_EXTENDS_DEPTH = 5;

/** One file of a definition: parsed, with where it came from. */
export interface DefinitionLayer {
  parsed: ParsedFile;
  source: DefinitionSource;
}

/** A step after merging, with a way to position any of its fields in the file that wrote it. */
export interface MergedStep {
  data: Record<string, unknown>;
  /** Position of a path inside the step (e.g. ['with', 'run']), in the topmost file that sets it. */
  locate(path: DataPath, options?: { key?: boolean }): SourcePosition;
  /** Position of a text inside the value at `path` (see ParsedFile.locateText). */
  locateText(path: DataPath, needle: string, occurrence: number): SourcePosition;
}

/** A definition with its `extends` chain applied (or a single file, unchanged). */
export interface MergedDefinition {
  /** Top-level fields (without `steps` and `remove`). */
  data: Record<string, unknown>;
  steps: MergedStep[];
  /** Position of a top-level path (e.g. ['defaults', 'cwd']), in the topmost file that sets it. */
  locate(path: DataPath): SourcePosition;
}

/** Reads one layer (parse and schema check), adding its problems to the list. */
export type LayerReader = (source: DefinitionSource) => Promise<DefinitionLayer>;

/**
 * Follows `extends` from `top` down to a file without it; returns the layers bottom first.
 * A base with the workflow's own name is looked up among the templates only (a workspace
 * override extending its template); so is any base of a template. Returns undefined when
 * a base cannot be found or read (the problem is added).
 */
export async function collectExtendsChain(
  top: DefinitionLayer,
  options: { workspace: string; readLayer: LayerReader },
  problems: DefinitionProblem[],
): Promise<DefinitionLayer[] | undefined> {
  const chain = [top];
  let current = top;
  for (;;) {
    const data = asRecord(current.parsed.data);
    const base = data?.extends;
    if (typeof base !== 'string') return chain.reverse();
    const at = current.parsed.locate(['extends']);
    const names = chain.map((layer) => String(asRecord(layer.parsed.data)?.name));
    if (chain.length > MAX_EXTENDS_DEPTH) {
      problems.push({
        message: `Too many levels of extends (${names.join(' -> ')} -> ${base}); at most ${MAX_EXTENDS_DEPTH} are followed.`,
        position: at,
      });
      return undefined;
    }
    const from = { name: data?.name, kind: current.source.kind };
    const source = await findBase(base, from, options.workspace);
    if (!('path' in source)) {
      problems.push({ message: source.problem, position: at });
      return undefined;
    }
    if (chain.some((layer) => layer.source.path === source.path)) {
      problems.push({ message: `Extends cycle: ${names.join(' -> ')} -> ${base}.`, position: at });
      return undefined;
    }
    current = await options.readLayer(source);
    if (current.parsed.data === undefined) return undefined;
    chain.push(current);
  }
}

/**
 * The file `extends: <base>` names, seen from a layer with this name and kind: a template when
 * the base is the layer's own name or the layer is a template, else any workflow.
 */
export async function findBase(
  base: string,
  from: { name: unknown; kind: DefinitionSource['kind'] },
  workspace: string,
): Promise<DefinitionSource | { problem: string }> {
  try {
    if (base === from.name || from.kind === 'template') {
      const template = await findTemplate(base);
      if (template !== undefined) return template;
      return { problem: `extends: there is no built-in template named "${base}".` };
    }
    return await findWorkflow(base, workspace);
  } catch (error) {
    if (error instanceof MiaError) return { problem: `extends: ${error.message}` };
    throw error;
  }
}

/**
 * Merges layers (bottom first): top-level fields override, inputs merge by name and `defaults` by
 * key (`shell`, `cwd`); a step with a
 * known id is patched (fields replaced, `with` and `env` merged one level deep), a new id is
 * appended, `remove` drops steps of the layers below (before the layer's own steps apply, so
 * remove + same id replaces a step whole). Duplicate ids within one file are reported.
 */
export function mergeLayers(
  layers: readonly DefinitionLayer[],
  problems: DefinitionProblem[],
): MergedDefinition {
  let fields: Record<string, unknown> = {};
  // Insertion-ordered: a removed id defined again goes to the end.
  const steps = new Map<string, { data: Record<string, unknown>; origins: Origin[] }>();
  let baseName = '';
  for (const [depth, layer] of layers.entries()) {
    const data = asRecord(layer.parsed.data) ?? {};
    const { steps: layerSteps, remove, inputs, ...rest } = data;
    const below = fields;
    fields = { ...fields, ...rest };
    if (asRecord(inputs)) fields.inputs = { ...asRecord(fields.inputs), ...asRecord(inputs) };
    // A template's default shell stays when a workflow that extends it only sets a default cwd.
    const defaults = asRecord(rest.defaults);
    if (defaults) fields.defaults = { ...asRecord(below.defaults), ...defaults };

    if (depth > 0 && Array.isArray(remove)) {
      for (const [index, id] of remove.entries()) {
        if (typeof id !== 'string') continue;
        if (!steps.has(id)) {
          const ids = [...steps.keys()];
          problems.push({
            message: `Cannot remove step "${id}": "${baseName}" has no such step.${formatSuggestion(id, ids)} Its steps: ${ids.join(', ')}.`,
            position: layer.parsed.locate(['remove', index]),
          });
        }
        steps.delete(id);
      }
    }
    const baseIds = [...steps.keys()];

    const seen = new Map<string, number>();
    for (const [index, raw] of (Array.isArray(layerSteps) ? layerSteps : []).entries()) {
      const step = asRecord(raw);
      if (step === undefined || typeof step.id !== 'string') continue;
      const origin: Origin = { parsed: layer.parsed, path: ['steps', index] };
      const earlier = seen.get(step.id);
      if (earlier !== undefined) {
        const first = layer.parsed.locate(['steps', earlier, 'id']);
        problems.push({
          message: `Duplicate step id "${step.id}" (first used at line ${first.line}); step ids must be unique.`,
          position: layer.parsed.locate(['steps', index, 'id']),
        });
        continue;
      }
      seen.set(step.id, index);
      const target = steps.get(step.id);
      if (target !== undefined) {
        target.data = patchStep(target.data, step);
        target.origins.push(origin);
        continue;
      }
      if (depth > 0 && typeof step.action !== 'string') {
        problems.push({
          message: `Step "${step.id}" is not a step of "${baseName}", so it is a new step and needs an "action".${formatSuggestion(step.id, baseIds)} Steps to patch: ${baseIds.join(', ')}.`,
          position: layer.parsed.locate(['steps', index, 'id']),
        });
      }
      steps.set(step.id, { data: { ...step }, origins: [origin] });
    }
    baseName = String(data.name ?? baseName);
  }

  const files = layers.map((layer) => ({ parsed: layer.parsed, path: [] }));
  return {
    data: fields,
    locate: (path) => locateIn(files, path, undefined),
    steps: [...steps.values()].map(({ data, origins }) => ({
      data,
      locate: (path, options) => locateIn(origins, path, options),
      locateText: (path, needle, occurrence) => {
        const origin = findOrigin(origins, path);
        return origin
          ? origin.parsed.locateText([...origin.path, ...path], needle, occurrence)
          : locateIn(origins, path, undefined);
      },
    })),
  };
}

interface Origin {
  parsed: ParsedFile;
  path: DataPath;
}

/** The topmost file that writes `path` of the step. */
function findOrigin(origins: readonly Origin[], path: DataPath): Origin | undefined {
  return origins.findLast((origin) => origin.parsed.has([...origin.path, ...path]));
}

function locateIn(
  origins: readonly Origin[],
  path: DataPath,
  options: { key?: boolean } | undefined,
): SourcePosition {
  const origin = findOrigin(origins, path);
  if (origin) return origin.parsed.locate([...origin.path, ...path], options);
  const last = origins.at(-1);
  return last?.parsed.locate([...last.path, ...path], options) ?? { file: '', line: 1, col: 1 };
}

function patchStep(base: Record<string, unknown>, patch: Record<string, unknown>) {
  const merged = { ...base, ...patch };
  for (const key of ['with', 'env']) {
    const below = asRecord(base[key]);
    const above = asRecord(patch[key]);
    if (below !== undefined && above !== undefined) merged[key] = { ...below, ...above };
  }
  return merged;
}

/** The value as a plain record, or undefined when it is not a map. */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
