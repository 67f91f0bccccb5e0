// A step's cache fingerprint: what it does after expressions, its matrix values, the contents of
// its input files, and its key. Equal fingerprints mean the step would do the same work.

import { createHash } from 'node:crypto';
import pLimit from 'p-limit';
import { stableStringify } from '../definition/resolve.js';
import { describeFile, type FileFact, matchFiles } from './files.js';

/** The version of the fingerprint's recipe: a change of recipe is a change of every fingerprint. */
export const FINGERPRINT_VERSION = 1;

/** How many input files are read at once. */
const FILES_AT_ONCE = 16;

/** Everything a fingerprint is made of. */
export interface FingerprintParts {
  /** The step's definition after expressions: action, universe, with, its own env, shell. */
  definition: Record<string, unknown>;
  /** The leg's matrix values, when the step is a matrix leg. */
  matrix?: unknown;
  /** The cache's own globs: another set of outputs is another entry. */
  inputs: readonly string[];
  outputs: readonly string[];
  /** The files matched by `inputs`, each with its hash (or link target). */
  files: readonly FileFact[];
  key: string;
}

/** The fingerprint of `parts`: sha256 hex of their stable JSON. */
export function computeFingerprint(parts: FingerprintParts): string {
  const files = parts.files.map((file) =>
    file.kind === 'link'
      ? [file.path, 'link', file.target]
      : [file.path, file.mode.toString(8), file.sha256],
  );
  const recipe = {
    v: FINGERPRINT_VERSION,
    definition: parts.definition,
    ...(parts.matrix === undefined ? {} : { matrix: parts.matrix }),
    inputs: parts.inputs,
    outputs: parts.outputs,
    files,
    key: parts.key,
  };
  return createHash('sha256').update(stableStringify(recipe)).digest('hex');
}

/** The facts of the files matched by `patterns` in the workspace, in path order. */
export async function describeInputFiles(
  workspace: string,
  patterns: readonly string[],
): Promise<FileFact[]> {
  const paths = await matchFiles(workspace, patterns);
  // A few at a time: a glob over a big tree must not open thousands of files at once.
  const limit = pLimit(FILES_AT_ONCE);
  return Promise.all(paths.map((path) => limit(() => describeFile(workspace, path))));
}
