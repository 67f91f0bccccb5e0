// Cache entries on disk: `.mia/cache/<fingerprint>/` holds `entry.json` (what the step produced)
// and `files/<n>` (the output files' bytes). An entry is written whole in a hidden folder and
// renamed into place, so a reader sees a whole entry or none: a crash mid-write is a miss.

import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { copyHashed, describeFile, type FileFact, matchFiles } from './files.js';

/** The format of entry.json: an entry of another version is a miss. */
export const ENTRY_VERSION = 1;
/** The manifest of an entry; its presence ends the write. */
export const ENTRY_FILE = 'entry.json';

/** A saved file of an entry: where it goes, and (for a file) its blob, size, mode and hash. */
export type SavedFile =
  | { path: string; kind: 'file'; mode: number; size: number; sha256: string; blob: string }
  | { path: string; kind: 'link'; target: string };

/** What a completed attempt left: the manifest of a cache entry. */
export interface CacheEntry {
  v: typeof ENTRY_VERSION;
  fingerprint: string;
  workflow: string;
  stepId: string;
  runId: string;
  createdAt: string;
  outputs: Record<string, unknown>;
  files: SavedFile[];
}

/** The folder of every entry of a workspace. */
export function getCacheDir(workspace: string): string {
  return join(workspace, '.mia', 'cache');
}

/** Whether a name is a fingerprint (and so an entry's folder, not a write under way). */
export function isFingerprint(name: string): boolean {
  return /^[0-9a-f]{64}$/.test(name);
}

/**
 * Saves the outputs and the files matched by `outputPatterns` as the entry of `fingerprint`,
 * replacing any entry it had (a broken one heals so). Returns the entry written.
 */
export async function writeEntry(
  workspace: string,
  fingerprint: string,
  made: Omit<CacheEntry, 'v' | 'fingerprint' | 'files' | 'createdAt'> & {
    outputPatterns: string[];
  },
): Promise<CacheEntry> {
  const root = getCacheDir(workspace);
  const temp = join(root, `.write-${fingerprint.slice(0, 12)}-${randomUUID()}`);
  await mkdir(join(temp, 'files'), { recursive: true });
  try {
    const files: SavedFile[] = [];
    for (const path of await matchFiles(workspace, made.outputPatterns)) {
      files.push(await saveFile(workspace, path, temp, String(files.length)));
    }
    const { outputPatterns: _, ...about } = made;
    const entry: CacheEntry = {
      v: ENTRY_VERSION,
      fingerprint,
      ...about,
      createdAt: new Date().toISOString(),
      files,
    };
    await writeFile(join(temp, ENTRY_FILE), `${JSON.stringify(entry)}\n`, { flush: true });
    await moveIntoPlace(root, temp, join(root, fingerprint));
    await sweepLeftovers(root);
    return entry;
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

async function saveFile(
  workspace: string,
  path: string,
  temp: string,
  blob: string,
): Promise<SavedFile> {
  const fact: FileFact = await describeFile(workspace, path);
  if (fact.kind === 'link') return fact;
  // The hash of the bytes copied, not of the file read before: a file that changes meanwhile is
  // saved as it was copied.
  const copied = await copyHashed(resolve(workspace, path), join(temp, 'files', blob));
  return { ...fact, ...copied, blob };
}

// Another process may have put an entry of the same fingerprint in place meanwhile: either entry
// is whole, so the one left in place is right.
async function moveIntoPlace(root: string, temp: string, target: string): Promise<void> {
  const trash = join(root, `.old-${randomUUID()}`);
  await rename(target, trash).catch(() => undefined);
  await rename(temp, target).catch(() => undefined);
  await rm(trash, { recursive: true, force: true });
}

/** Folders left by a process killed while writing are removed a day later (never read before). */
export const LEFTOVER_AGE_MS = 24 * 60 * 60 * 1000;

async function sweepLeftovers(root: string, now = Date.now()): Promise<void> {
  for (const name of await readdir(root).catch(() => [] as string[])) {
    if (!name.startsWith('.write-') && !name.startsWith('.old-')) continue;
    const folder = join(root, name);
    const info = await stat(folder).catch(() => undefined);
    if (info && now - info.mtimeMs > LEFTOVER_AGE_MS) {
      await rm(folder, { recursive: true, force: true });
    }
  }
}

/** Why an entry cannot serve: absent, unreadable, of another version, or missing files. */
export type EntryLookup = { entry: CacheEntry } | { miss: string };

/**
 * Reads the entry of `fingerprint` and checks that every blob it names is there with its size
 * (restoring checks each blob's hash as it copies it). Never throws: a broken entry is a miss.
 */
export async function readEntry(workspace: string, fingerprint: string): Promise<EntryLookup> {
  const folder = join(getCacheDir(workspace), fingerprint);
  let text: string;
  try {
    text = await readFile(join(folder, ENTRY_FILE), 'utf8');
  } catch {
    return { miss: 'no cache entry' };
  }
  let entry: CacheEntry;
  try {
    entry = JSON.parse(text) as CacheEntry;
  } catch {
    return { miss: 'its cache entry is corrupt' };
  }
  if (!isEntry(entry, fingerprint)) return { miss: 'its cache entry is corrupt' };
  for (const file of entry.files) {
    if (file.kind !== 'file') continue;
    const size = await stat(join(folder, 'files', file.blob)).then(
      (stats) => stats.size,
      () => undefined,
    );
    if (size !== file.size) return { miss: `its cache entry lost ${file.path}` };
  }
  return { entry };
}

/** The path of an entry's blob. */
export function getBlobPath(workspace: string, fingerprint: string, blob: string): string {
  return join(getCacheDir(workspace), fingerprint, 'files', blob);
}

function isEntry(value: unknown, fingerprint: string): value is CacheEntry {
  const entry = value as Partial<CacheEntry> | null;
  return (
    typeof entry === 'object' &&
    entry !== null &&
    entry.v === ENTRY_VERSION &&
    entry.fingerprint === fingerprint &&
    typeof entry.runId === 'string' &&
    typeof entry.outputs === 'object' &&
    entry.outputs !== null &&
    Array.isArray(entry.files) &&
    entry.files.every(isSavedFile)
  );
}

function isSavedFile(file: unknown): boolean {
  const f = file as Record<string, unknown> | null;
  if (typeof f !== 'object' || f === null || typeof f.path !== 'string') return false;
  // A saved path never leaves the workspace, whatever the file says.
  if (f.path.startsWith('/') || f.path.split('/').includes('..')) return false;
  if (f.kind === 'link') return typeof f.target === 'string';
  return (
    f.kind === 'file' &&
    typeof f.mode === 'number' &&
    typeof f.size === 'number' &&
    typeof f.sha256 === 'string' &&
    typeof f.blob === 'string' &&
    /^\d+$/.test(f.blob)
  );
}
