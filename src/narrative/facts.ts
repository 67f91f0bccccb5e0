// The facts a beat weaves in: what a step's outputs say happened, in a few words, each with the
// universe it speaks for. Each action describes its own outputs (its `describeOutputs`); this
// module only asks it, and keeps a custom action's mistakes out of the story.

import type { OutputFact } from '../actions/types.js';
import { UNIVERSES, type Universe } from '../definition/types.js';

/** One fact as the narrative tells it; `universe` undefined: it speaks for the step's own universe. */
export interface Fact {
  text: string;
  universe: Universe | undefined;
  /** Told on its universe's line only, not in the beat's description. */
  isDetail: boolean;
}

/** What a narrator needs of an action: its description of its outputs, if it has one. */
export interface OutputDescriber {
  describeOutputs?(outputs: Record<string, unknown>): unknown;
}

/** More facts than this from one step are not told; a longer fact is cut. */
const MAX_FACTS = 20;
const MAX_FACT_LENGTH = 300;

/**
 * The facts an action tells of a completed step's outputs (none when it has no describeOutputs).
 * A describeOutputs that throws or returns something else than facts makes no beat fail: the
 * engineer's line says so instead, for whoever wrote it.
 */
export function describeOutputFacts(
  action: OutputDescriber | undefined,
  outputs: Record<string, unknown>,
): Fact[] {
  if (typeof action?.describeOutputs !== 'function') return [];
  let described: unknown;
  try {
    // The outputs as the event log holds them, copied: later steps read the step's own.
    described = action.describeOutputs(JSON.parse(JSON.stringify(outputs)));
  } catch (error) {
    return [describeProblem(`threw ${error instanceof Error ? error.message : String(error)}`)];
  }
  const items = typeof described === 'string' ? [described] : described;
  if (items instanceof Promise) {
    void items.catch(() => undefined);
    return [describeProblem('returned a Promise (it must not be async)')];
  }
  if (!Array.isArray(items)) return [describeProblem(`returned ${typeof items}, not a list`)];
  const facts: Fact[] = [];
  for (const item of items.slice(0, MAX_FACTS)) {
    const fact = toFact(item);
    if (fact === undefined)
      return [...facts, describeProblem(`returned ${show(item)} among its facts`)];
    if (fact.text !== '') facts.push(fact);
  }
  return facts;
}

/** `test (feature moved since the check: a1b2c3d → d4e5f6a)`: why a resume ran completed steps again. */
export function describeOutdated(outdated: Record<string, string> | undefined): string {
  return Object.entries(outdated ?? {})
    .map(([stepId, reason]) => `${stepId} (${reason})`)
    .join('; ');
}

function toFact(item: unknown): Fact | undefined {
  if (typeof item === 'string') return { text: cut(item), universe: undefined, isDetail: false };
  if (item === null || typeof item !== 'object') return undefined;
  const { text, universe, isDetail } = item as Partial<OutputFact>;
  if (typeof text !== 'string') return undefined;
  if (universe !== undefined && !UNIVERSES.includes(universe)) return undefined;
  return { text: cut(text), universe, isDetail: isDetail === true };
}

function describeProblem(what: string): Fact {
  return {
    text: cut(
      `describeOutputs ${what}; it must return facts: strings or { text, universe?, isDetail? }`,
    ),
    universe: 'engineer',
    isDetail: true,
  };
}

function show(item: unknown): string {
  try {
    return JSON.stringify(item) ?? String(item);
  } catch {
    return String(item);
  }
}

function cut(text: string): string {
  const trimmed = text.trim();
  return trimmed.length > MAX_FACT_LENGTH ? `${trimmed.slice(0, MAX_FACT_LENGTH)}…` : trimmed;
}
