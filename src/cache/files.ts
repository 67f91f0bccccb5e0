// The workspace files a step's cache reads and writes: globs matched inside the workspace only, and
// contents copied and hashed in one pass.

import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, readdir, readFile, readlink, realpath, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import picomatch from 'picomatch';

/** Top folders of the workspace a cache never reads nor writes: the repository's and mia's own. */
const NEVER_MATCHED = new Set(['.git', '.mia']);

/** A matched file as the cache sees it: its contents' hash, or the target of a symbolic link. */
export type FileFact =
  | { path: string; kind: 'file'; mode: number; size: number; sha256: string }
  | { path: string; kind: 'link'; target: string };

/**
 * The files and symbolic links matched by `patterns` (globs, or a folder for everything under it),
 * relative to the workspace with `/`, sorted; never a path outside the workspace, nor under .git
 * or .mia. Links are listed as links, never followed.
 */
export async function matchFiles(
  workspace: string,
  patterns: readonly string[],
): Promise<string[]> {
  const found = new Set<string>();
  for (const pattern of patterns) {
    const { base, isGlob } = picomatch.scan(pattern);
    const start = resolve(workspace, base);
    if (!isInside(workspace, start)) continue;
    const rel = toSlashes(relative(workspace, start));
    if (NEVER_MATCHED.has(rel.split('/')[0] ?? '')) continue;
    const stats = await lstat(start).catch(() => undefined);
    if (!stats) continue;
    // A glob's base reached through a link that leads out of the workspace is not read.
    if (!(await isReallyInside(workspace, stats.isDirectory() ? start : dirname(start)))) continue;
    if (!stats.isDirectory()) {
      if (!isGlob) found.add(rel);
      continue;
    }
    const isMatch = isGlob ? picomatch(pattern, { dot: true }) : () => true;
    for (const path of await walk(workspace, start)) if (isMatch(path)) found.add(path);
  }
  return [...found].sort();
}

// Every file and link under `folder` (links not followed), relative to the workspace.
async function walk(workspace: string, folder: string): Promise<string[]> {
  const paths: string[] = [];
  const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const absolute = join(folder, entry.name);
    const rel = toSlashes(relative(workspace, absolute));
    if (entry.isDirectory()) {
      if (!NEVER_MATCHED.has(rel)) paths.push(...(await walk(workspace, absolute)));
    } else if (entry.isFile() || entry.isSymbolicLink()) {
      paths.push(rel);
    }
  }
  return paths;
}

function toSlashes(path: string): string {
  return path.split(sep).join('/');
}

/** Whether `path` is `root` itself or below it (lexically). */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** What a matched path holds: a file's mode, size and hash, or a link's target. */
export async function describeFile(workspace: string, path: string): Promise<FileFact> {
  const absolute = resolve(workspace, path);
  const stats = await lstat(absolute);
  if (stats.isSymbolicLink()) return { path, kind: 'link', target: await readlink(absolute) };
  const { sha256, size } = await copyHashed(absolute, undefined, stats.size);
  return { path, kind: 'file', mode: stats.mode & 0o777, size, sha256 };
}

/** Files up to this size are read in one go; larger ones are streamed. */
const WHOLE_READ_BYTES = 8 * 1024 * 1024;

/**
 * Reads `from` whole, hashing it, and writes it to `to` when given (a new file: never one that
 * exists). One pass: what is hashed is exactly what is written. `knownSize` saves a stat.
 */
export async function copyHashed(
  from: string,
  to: string | undefined,
  knownSize?: number,
): Promise<{ sha256: string; size: number }> {
  // A small file is read whole: much cheaper than a stream, for the many small files of a tree.
  if ((knownSize ?? (await stat(from)).size) <= WHOLE_READ_BYTES) {
    const bytes = await readFile(from);
    if (to !== undefined) await writeFile(to, bytes, { flag: 'wx' });
    return { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
  }
  const hash = createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  const source = createReadStream(from);
  if (to === undefined) {
    tap.resume();
    await pipeline(source, tap);
  } else {
    await pipeline(source, tap, createWriteStream(to, { flags: 'wx' }));
  }
  return { sha256: hash.digest('hex'), size };
}

/**
 * Whether `folder` (which exists) really lies inside `workspace` once links are resolved: a
 * restored file is never written through a link that leads out of the workspace.
 */
export async function isReallyInside(workspace: string, folder: string): Promise<boolean> {
  const [root, real] = await Promise.all([realpath(workspace), realpath(folder)]);
  return isInside(root, real);
}
