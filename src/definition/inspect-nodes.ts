// What the YAML library accepts but a workflow must not contain: too many aliases, deep nesting,
// complex or repeated keys, and characters that would reach a terminal as commands.

import { isAlias, isMap, isPair, isScalar, isSeq, type Node } from 'yaml';
import type { DefinitionProblem, SourcePosition } from '../errors.js';
import { MAX_DEPTH } from './compose-yaml.js';

/** Most aliases (`*ref`) a file may use: enough for real reuse, far too few for a billion laughs. */
export const MAX_ALIASES = 100;

/** Refuses what the YAML library accepts but a workflow must not contain: too many aliases, deep nesting, complex keys. */
export function inspectNodes(
  root: Node | null,
  at: (offset: number) => SourcePosition,
): DefinitionProblem[] {
  const problems: DefinitionProblem[] = [];
  let aliases = 0;
  const walk = (node: unknown, depth: number): void => {
    if (problems.length >= 20 || node === null || node === undefined) return;
    if (isAlias(node)) {
      aliases += 1;
      if (aliases === MAX_ALIASES + 1) {
        problems.push({
          message: `YAML: more than ${MAX_ALIASES} aliases; a workflow does not need that many (is this a YAML bomb?).`,
          position: at(node.range?.[0] ?? 0),
        });
      }
      return;
    }
    const typed = node as Node;
    const offset = typed.range?.[0] ?? 0;
    if (depth > MAX_DEPTH) {
      problems.push({
        message: `YAML: nesting deeper than ${MAX_DEPTH} levels.`,
        position: at(offset),
      });
      return;
    }
    if (isScalar(typed) && typeof typed.value === 'string') {
      const problem = findUnsafeCharacter(typed.value);
      if (problem !== undefined) problems.push({ message: problem, position: at(offset) });
      return;
    }
    if (isMap(typed)) {
      const keys = new Set<string>();
      for (const pair of typed.items) {
        if (!isPair(pair)) continue;
        if (isScalar(pair.key)) {
          // As JavaScript sees keys: `1` and "1" are the same property.
          const key = String(pair.key.value);
          if (keys.has(key)) {
            problems.push({
              message: 'YAML: Map keys must be unique',
              position: at(pair.key.range?.[0] ?? offset),
            });
          }
          keys.add(key);
        }
        if (pair.key !== null && !isScalar(pair.key)) {
          problems.push({
            message: 'YAML: keys must be plain values, not maps or lists.',
            position: at((pair.key as Node).range?.[0] ?? offset),
          });
        } else {
          walk(pair.key, depth + 1);
        }
        walk(pair.value, depth + 1);
      }
    } else if (isSeq(typed)) {
      for (const item of typed.items) walk(item, depth + 1);
    }
  };
  walk(root, 0);
  return problems;
}

// C0 controls but tab, newline and carriage return; DEL and C1 controls; bidirectional overrides.
const UNSAFE_CHARACTER =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/**
 * Why a string must not be in a workflow, if it must not: a control character (written raw or as
 * an escape such as "\e") would reach terminals that run it as a command (a title, the clipboard),
 * and a bidirectional override makes a script display differently from what runs.
 */
function findUnsafeCharacter(value: string): string | undefined {
  const found = UNSAFE_CHARACTER.exec(value)?.[0];
  if (found === undefined) return undefined;
  const code = `U+${found.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  return found >= '\u202a'
    ? `YAML: a bidirectional control character (${code}) in a value: it makes text display differently from what it is.`
    : `YAML: a control character (${code}) in a value; only printable text, tabs and newlines are allowed.`;
}
