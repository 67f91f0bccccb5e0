// Reads a workflow YAML file defensively and keeps source positions for every node.

import { readFile, stat } from 'node:fs/promises';
import { isMap, isScalar, isSeq, LineCounter, type Node, type Pair, type YAMLMap } from 'yaml';
import type { DefinitionProblem, SourcePosition } from '../errors.js';
import { hashSha256 } from '../util/hash.js';
import { composeDocument, MAX_DEPTH, MAX_VALUES } from './compose-yaml.js';
import { inspectNodes, MAX_ALIASES } from './inspect-nodes.js';

export { MAX_DEPTH, MAX_VALUES } from './compose-yaml.js';
export { MAX_ALIASES };

/** Larger files are refused before parsing. */
export const MAX_FILE_BYTES = 1024 * 1024;

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
  /**
   * Position of the `occurrence`-th (from 0) `needle` written inside the value at `path` (an
   * expression inside a script, say); the value's own position when it is not written verbatim.
   */
  locateText(path: DataPath, needle: string, occurrence: number): SourcePosition;
  /** True when the file itself contains a node at `path`. */
  has(path: DataPath): boolean;
  /** sha256 of the bytes parsed, when they were read from a file. */
  sha256?: string;
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
  const text = buffer.toString('utf8');
  // Invalid bytes decode to U+FFFD; a file that does not survive the round trip is not UTF-8.
  if (!Buffer.from(text, 'utf8').equals(buffer)) return refuseNotUtf8(text, file);
  return { ...parseWorkflowText(text, file), sha256: hashSha256(buffer) };
}

/** Parses workflow YAML text: core schema only, unique keys, bounded aliases and depth. */
export function parseWorkflowText(text: string, file: string): ParsedFile {
  const lineCounter = new LineCounter();
  const { document, runaway } = composeDocument(text, lineCounter);
  if (runaway !== undefined) {
    const position = { file, ...positionOf(text, runaway.offset) };
    const message =
      runaway.kind === 'depth'
        ? `YAML: nesting deeper than ${MAX_DEPTH} levels.`
        : `YAML: more than ${MAX_VALUES} values; a workflow does not need that many.`;
    return refuse(file, message, position);
  }
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

  // Each map's pairs by key, built on first use: a file with many problems locates each in O(depth).
  const mapIndexes = new WeakMap<YAMLMap, Map<string, Pair>>();
  const indexMap = (map: YAMLMap): Map<string, Pair> => {
    let index = mapIndexes.get(map);
    if (index === undefined) {
      index = new Map();
      for (const item of map.items) {
        const name = isScalar(item.key) ? String(item.key.value) : undefined;
        if (name !== undefined && !index.has(name)) index.set(name, item as Pair);
      }
      mapIndexes.set(map, index);
    }
    return index;
  };
  const findNode = (path: DataPath, key: boolean): { node: Node | undefined; exact: boolean } => {
    let node = document.contents as Node | null;
    let found: Node | undefined = node ?? undefined;
    for (const [index, segment] of path.entries()) {
      const isLast = index === path.length - 1;
      if (isMap(node)) {
        const pair = indexMap(node).get(String(segment));
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
    locateText: (path, needle, occurrence) => {
      const { node, exact } = findNode(path, false);
      const [start = 0, end = start] = node?.range ?? [];
      let found = exact && needle !== '' ? text.indexOf(needle, start) : -1;
      for (let count = 0; count < occurrence && found >= 0; count++) {
        found = text.indexOf(needle, found + 1);
      }
      return at(found >= 0 && found + needle.length <= end ? found : start);
    },
    has: (path) => findNode(path, false).exact,
  };
}

function positionOf(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, col: offset - before.lastIndexOf('\n') };
}

function refuse(file: string, message: string, position: SourcePosition): ParsedFile {
  return {
    file,
    data: undefined,
    problems: [{ message, position }],
    locate: () => position,
    locateText: () => position,
    has: () => false,
  };
}

function refuseOversized(file: string, size: number): ParsedFile {
  return refuse(
    file,
    `The file is ${size} bytes; workflow files are limited to ${MAX_FILE_BYTES} bytes (1 MiB).`,
    { file, line: 1, col: 1 },
  );
}

function refuseNotUtf8(text: string, file: string): ParsedFile {
  return refuse(
    file,
    'The file is not valid UTF-8 (the first bad byte is here); save it as UTF-8.',
    { file, ...positionOf(text, Math.max(0, text.indexOf('\uFFFD'))) },
  );
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
