// Reads a workflow YAML file defensively and keeps source positions for every node.

import { readFile, stat } from 'node:fs/promises';
import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
} from 'yaml';
import type { DefinitionProblem, SourcePosition } from '../errors.js';

/** Larger files are refused before parsing. */
export const MAX_FILE_BYTES = 1024 * 1024;
/** Most aliases (`*ref`) a file may use: enough for real reuse, far too few for a billion laughs. */
export const MAX_ALIASES = 100;
/** Deepest nesting of maps and sequences. */
export const MAX_DEPTH = 64;

/** A path into the parsed data: map keys and sequence indexes, e.g. ['steps', 2, 'action']. */
export type DataPath = readonly (string | number)[];

/** A parsed file: its data (plain JS), its problems, and a way back from data paths to positions. */
export interface ParsedFile {
  /** The file as shown in messages (relative to the workspace when inside it). */
  file: string;
  /** The plain data, or undefined when the YAML could not be read. */
  data: unknown;
  /** YAML problems (syntax, duplicate keys, tags, size); when any, `data` is not to be trusted. */
  problems: DefinitionProblem[];
  /** Position of the node at `path` (or of its key with `key: true`), else of the nearest parent. */
  locate(path: DataPath, options?: { key?: boolean }): SourcePosition;
  /** True when the file itself contains a node at `path`. */
  has(path: DataPath): boolean;
}

/**
 * Reads and parses a workflow file. Files over MAX_FILE_BYTES are refused unread;
 * a missing or unreadable file throws the file system's error.
 */
export async function parseWorkflowFile(path: string, file: string = path): Promise<ParsedFile> {
  const { size } = await stat(path);
  if (size > MAX_FILE_BYTES) return refuseOversized(file, size);
  const buffer = await readFile(path);
  if (buffer.length > MAX_FILE_BYTES) return refuseOversized(file, buffer.length);
  return parseWorkflowText(buffer.toString('utf8'), file);
}

/** Parses workflow YAML text: core schema only, unique keys, bounded aliases and depth. */
export function parseWorkflowText(text: string, file: string): ParsedFile {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
    schema: 'core',
    customTags: [],
    resolveKnownTags: false,
    merge: false,
  });
  const at = (offset: number): SourcePosition => ({ file, ...lineCounter.linePos(offset) });
  const problems: DefinitionProblem[] = [
    ...document.errors.map((error) => ({
      message: `YAML: ${firstLine(error.message)}`,
      position: at(error.pos[0]),
    })),
    ...document.warnings.map((warning) => ({
      message: describeWarning(warning.code, warning.message),
      position: at(warning.pos[0]),
    })),
    ...inspectNodes(document.contents as Node | null, at),
  ];

  let data: unknown;
  if (problems.length === 0) {
    try {
      data = document.toJS({ maxAliasCount: MAX_ALIASES });
    } catch (error) {
      const message = (error as Error).message;
      problems.push({
        message: /alias/i.test(message)
          ? 'YAML: the aliases (*name) expand to far too much data; is this a YAML bomb?'
          : `YAML: ${message}`,
        position: at(0),
      });
    }
  }

  const findNode = (path: DataPath, key: boolean): { node: Node | undefined; exact: boolean } => {
    let node = document.contents as Node | null;
    let found: Node | undefined = node ?? undefined;
    for (const [index, segment] of path.entries()) {
      const isLast = index === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find(
          (item) => isScalar(item.key) && String(item.key.value) === String(segment),
        );
        if (!pair) return { node: found, exact: false };
        const target = isLast && key ? pair.key : pair.value;
        found = (target as Node | null) ?? (pair.key as Node);
        node = target as Node | null;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item = node.items[segment] as Node | undefined;
        if (item === undefined) return { node: found, exact: false };
        found = item;
        node = item;
      } else {
        return { node: found, exact: false };
      }
    }
    return { node: found, exact: true };
  };

  return {
    file,
    data,
    problems,
    locate: (path, options = {}) => {
      const { node } = findNode(path, options.key === true);
      return at(node?.range?.[0] ?? 0);
    },
    has: (path) => findNode(path, false).exact,
  };
}

/** Refuses what the YAML library accepts but a workflow must not contain: too many aliases, deep nesting, complex keys. */
function inspectNodes(
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
    if (isMap(typed)) {
      for (const pair of typed.items) {
        if (!isPair(pair)) continue;
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

function refuseOversized(file: string, size: number): ParsedFile {
  const position = { file, line: 1, col: 1 };
  return {
    file,
    data: undefined,
    problems: [
      {
        message: `The file is ${size} bytes; workflow files are limited to ${MAX_FILE_BYTES} bytes (1 MiB).`,
        position,
      },
    ],
    locate: () => position,
    has: () => false,
  };
}

// Only the core schema resolves: any other tag (!!js/function, !!binary, !custom) is refused.
function describeWarning(code: string, message: string): string {
  const tag = /^Unresolved tag: (.+)$/.exec(message)?.[1];
  if (code !== 'TAG_RESOLVE_FAILED' || tag === undefined) return `YAML: ${firstLine(message)}`;
  const shown = tag.replace(/^tag:yaml\.org,2002:/, '!!');
  return `YAML: tag "${shown}" is not allowed; only plain YAML values (strings, numbers, booleans, null, maps, lists) are.`;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
