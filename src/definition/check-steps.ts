// Semantic checks of each step: action, universe, `with`, expressions and what they read, durations.

import type { ActionRegistry } from '../actions/registry.js';
import type { ActionAdapter } from '../actions/types.js';
import type { DefinitionProblem } from '../errors.js';
import { MAX_DURATION_MS, parseDuration } from '../util/duration.js';
import { formatSuggestion } from '../util/suggest.js';
import { checkMatrixReference, checkStepMatrix, toReferencedStep } from './check-matrix.js';
import {
  checkExpression,
  collectReferences,
  findExpressions,
  findUnclosedExpression,
} from './expressions/evaluate.js';
import { asRecord, type MergedDefinition, type MergedStep } from './extends.js';
import type { DataPath } from './parse.js';
import { UNIVERSES } from './types.js';
import { formatPath, validateActionWith } from './validate.js';

const LITERAL_CONDITIONS = new Set(['', 'true', 'false', '0', '1']);

/** Checks every step of a merged definition against the registry; problems are appended. */
export function checkSteps(
  merged: MergedDefinition,
  registry: ActionRegistry,
  problems: DefinitionProblem[],
): void {
  const inputs = Object.keys(asRecord(merged.data.inputs) ?? {});
  const isUpstream = createUpstreamQuery(merged.steps);
  const ids = merged.steps.map((step) => String(step.data.id));
  for (const step of merged.steps) {
    const id = String(step.data.id);
    const report = (message: string, path: DataPath, key = false) =>
      problems.push({ message, position: step.locate(path, { key }) });
    const adapter = checkAction(step, registry, report);
    const matrix = checkStepMatrix(step, problems);
    if (adapter !== undefined) {
      const withValue = step.data.with ?? {};
      if (asRecord(withValue) !== undefined) {
        problems.push(
          ...validateActionWith(adapter, withValue, { stepId: id, registry, locate: step.locate }),
        );
      }
    }
    for (const [path, text] of collectTexts(step.data)) {
      const field = `"${formatPath(path)}" of step "${id}"`;
      const unclosed = findUnclosedExpression(text);
      if (unclosed !== undefined) {
        report(`In ${field}: "\${{" has no closing "}}".`, path);
      }
      for (const span of findExpressions(text)) {
        const error = checkExpression(span.source);
        if (error !== undefined) {
          report(`In ${field}: ${error}`, path);
          continue;
        }
        for (const reference of collectReferences(span.source)) {
          // The beat and the tension are told after the step, so they may read its own outputs
          // (a failed step keeps what it produced).
          const canReadSelf = path[0] === 'beat' || path[0] === 'tension';
          const message =
            reference[0] === 'matrix' && reference[1] !== undefined
              ? checkMatrixReference(reference[1], id, matrix, String(path[0]))
              : checkReference(reference, { id, inputs, ids, isUpstream, canReadSelf });
          if (message !== undefined) report(`In ${field}: ${message}`, path);
        }
      }
    }
    const when = step.data.when;
    if (typeof when === 'string' && !when.includes('${{')) {
      if (!LITERAL_CONDITIONS.has(when.trim().toLowerCase())) {
        report(
          `"when" of step "${id}" is plain text, so it is always true; write it as an expression: when: "\${{ ${when} }}".`,
          ['when'],
        );
      }
    }
    checkDuration(step.data.timeout, 'timeout', id, ['timeout'], report, false);
    const retry = asRecord(step.data.retry);
    checkDuration(retry?.delay, 'retry.delay', id, ['retry', 'delay'], report, true);
  }
}

type Report = (message: string, path: DataPath, key?: boolean) => void;

function checkAction(
  step: MergedStep,
  registry: ActionRegistry,
  report: Report,
): ActionAdapter | undefined {
  const { action, universe, id } = step.data;
  if (typeof action !== 'string') return undefined;
  const adapter = registry.get(action);
  if (adapter === undefined) {
    const known = registry.names();
    report(
      `Unknown action "${action}" in step "${id}".${formatSuggestion(action, known)} Known: ${known.join(', ')}`,
      ['action'],
    );
    return undefined;
  }
  const isUniverse = (UNIVERSES as readonly unknown[]).includes(universe);
  if (isUniverse && !(adapter.universes as readonly unknown[]).includes(universe)) {
    report(
      `Action "${action}" does not serve the ${universe} universe (step "${id}"); it serves: ${adapter.universes.join(', ')}. Pick one of those, or leave "universe" out for ${adapter.universes[0]}.`,
      ['universe'],
    );
  }
  return adapter;
}

interface ReferenceScope {
  id: string;
  inputs: readonly string[];
  ids: readonly string[];
  isUpstream(id: string, target: string): boolean;
  canReadSelf: boolean;
}

/** Why a context path cannot be read from this step, or undefined when it can. */
function checkReference(reference: readonly string[], scope: ReferenceScope): string | undefined {
  const [context, name] = reference;
  if (name === undefined) return undefined;
  if (context === 'inputs') {
    if (scope.inputs.some((input) => input.toLowerCase() === name.toLowerCase())) return undefined;
    const declared =
      scope.inputs.length > 0
        ? ` Declared inputs: ${scope.inputs.join(', ')}.`
        : ' The workflow declares no inputs: add it under "inputs:".';
    return `inputs.${name} is not a declared input.${formatSuggestion(name, scope.inputs)}${declared}`;
  }
  if (context !== 'steps') return undefined;
  const step = toReferencedStep(name);
  const target = scope.ids.find((id) => id.toLowerCase() === step.toLowerCase());
  if (target === undefined) {
    return `steps.${name} is not a step.${formatSuggestion(name, scope.ids)}`;
  }
  if (target === scope.id) {
    if (scope.canReadSelf) return undefined;
    return `a step cannot read its own steps.${name}: it has not finished when its expressions are evaluated.`;
  }
  if (!scope.isUpstream(scope.id, target)) {
    return `steps.${target} is read, but step "${scope.id}" does not depend on "${target}" (directly or through other steps), so "${target}" may not have run yet. Add "${target}" to its depends_on.`;
  }
  return undefined;
}

/** Answers "does this step wait for that one, directly or through others?" by searching on demand. */
function createUpstreamQuery(
  steps: readonly MergedStep[],
): (id: string, target: string) => boolean {
  const direct = new Map<string, string[]>();
  for (const step of steps) {
    const dependsOn = Array.isArray(step.data.depends_on) ? step.data.depends_on : [];
    direct.set(
      String(step.data.id),
      dependsOn.filter((dep): dep is string => typeof dep === 'string'),
    );
  }
  return (id, target) => {
    const seen = new Set<string>();
    const stack = [...(direct.get(id) ?? [])];
    while (stack.length > 0) {
      const next = stack.pop()!;
      if (next === target) return true;
      if (seen.has(next)) continue;
      seen.add(next);
      stack.push(...(direct.get(next) ?? []));
    }
    return false;
  };
}

/** Every text of a step that may hold expressions, with its path in the step. */
function collectTexts(step: Record<string, unknown>): [DataPath, string][] {
  const texts: [DataPath, string][] = [];
  const walk = (value: unknown, path: (string | number)[]): void => {
    if (typeof value === 'string') texts.push([path, value]);
    else if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) walk(item, [...path, index]);
    } else if (asRecord(value)) {
      for (const [key, item] of Object.entries(value as object)) walk(item, [...path, key]);
    }
  };
  for (const field of ['beat', 'tension', 'when', 'with', 'env']) walk(step[field], [field]);
  walk(asRecord(step.strategy)?.matrix, ['strategy', 'matrix']);
  return texts;
}

function checkDuration(
  value: unknown,
  label: string,
  id: string,
  path: DataPath,
  report: Report,
  allowZero: boolean,
): void {
  if (typeof value !== 'string' && typeof value !== 'number') return;
  const ms = parseDuration(value);
  // A malformed value is the schema's to report; here only the sizes are checked.
  if (ms === undefined) return;
  if (ms === 0 && !allowZero) {
    report(
      `"${label}" of step "${id}" is 0: a step needs some time; leave it out for no limit.`,
      path,
    );
  } else if (ms > MAX_DURATION_MS) {
    report(
      `"${label}" of step "${id}" is too long to count in milliseconds: at most ${MAX_DURATION_MS}ms.`,
      path,
    );
  }
}
