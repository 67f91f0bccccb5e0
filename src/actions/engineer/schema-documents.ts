// Reads JSON and YAML files into data, keeping their source so a JSON pointer maps to a line.

import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { isMap, isNode, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { MiaError } from '../../errors.js';

/** A parsed file and a way back from a place in its data to its source. */
export interface LoadedDocument {
  data: unknown;
  /** The 1-based line where the value at a JSON pointer (`/a/0/b`, `` for the root) starts. */
  findLine(pointer: string): number | undefined;
}

/**
 * Reads `path` as JSON (`.json`) or YAML (anything else; YAML also reads JSON). `name` is how
 * errors refer to the file, `hint` what they tell the reader to do: a file that cannot be read or
 * parsed throws MIA_SCHEMA_UNREADABLE.
 */
export async function readDocument(
  path: string,
  name: string,
  hint: string,
): Promise<LoadedDocument> {
  const fail = (reason: string, cause: unknown) =>
    new MiaError('MIA_SCHEMA_UNREADABLE', `Cannot read ${name}: ${reason}`, {
      hint,
      cause,
      isRetriable: false,
    });
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw fail(code === 'ENOENT' ? 'no such file.' : (error as Error).message, error);
  }
  if (extname(path).toLowerCase() === '.json') {
    try {
      return { data: JSON.parse(text), findLine: (pointer) => findLineInYaml(text, pointer) };
    } catch (error) {
      throw fail(`not valid JSON (${(error as Error).message}).`, error);
    }
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true });
  const [first] = doc.errors;
  if (first) throw fail(`not valid YAML (${first.message.split('\n')[0]}).`, first);
  let data: unknown;
  try {
    data = doc.toJS();
  } catch (error) {
    throw fail((error as Error).message, error);
  }
  return {
    data,
    findLine: (pointer) => {
      const offset = findNode(doc.contents, parsePointer(pointer))?.range?.[0];
      return offset === undefined ? undefined : lineCounter.linePos(offset).line;
    },
  };
}

/** Positions in a JSON file come from reading it again as YAML, only when a failure needs one. */
function findLineInYaml(text: string, pointer: string): number | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  if (doc.errors.length > 0) return undefined;
  const offset = findNode(doc.contents, parsePointer(pointer))?.range?.[0];
  return offset === undefined ? undefined : lineCounter.linePos(offset).line;
}

function parsePointer(pointer: string): string[] {
  if (pointer === '' || pointer === '/') return [];
  return pointer
    .split('/')
    .slice(1)
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** The deepest node on the pointer's path: a missing property points at its parent. */
function findNode(root: unknown, segments: string[]): Node | undefined {
  let node: Node | undefined = isNode(root) ? root : undefined;
  for (const segment of segments) {
    if (isMap(node)) {
      const pair = node.items.find((item) => getKeyText(item.key) === segment);
      if (!pair) return node;
      // A key without a value (`port:`) has no node of its own: point at the key.
      if (!isNode(pair.value)) return isNode(pair.key) ? pair.key : node;
      node = pair.value;
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)];
      if (!isNode(item)) return node;
      node = item;
    } else {
      return node;
    }
  }
  return node;
}

function getKeyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}
