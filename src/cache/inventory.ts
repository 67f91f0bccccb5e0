// What the step cache holds (`mia cache show`) and its clearing (`mia cache clear`).

import { lstat, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { getCacheDir, isFingerprint, readEntry } from './entry-store.js';

/** One folder of the cache: an entry (whole or broken), or a write that never finished. */
export interface CacheItem {
  /** The folder's name: the fingerprint of an entry. */
  name: string;
  kind: 'entry' | 'broken' | 'unfinished';
  workflow: string | null;
  stepId: string | null;
  runId: string | null;
  createdAt: string;
  files: number;
  bytes: number;
  /** Why a broken entry cannot serve (the step will run and rewrite it). */
  problem?: string;
}

/** Every folder of the cache, newest first, with its size on disk. */
export async function listCache(workspace: string): Promise<CacheItem[]> {
  const root = getCacheDir(workspace);
  const names = await readdir(root).catch(() => [] as string[]);
  const items: CacheItem[] = [];
  for (const name of names) {
    const folder = join(root, name);
    const info = await stat(folder).catch(() => undefined);
    if (!info?.isDirectory()) continue;
    const bytes = await measure(folder);
    const base = { name, bytes, workflow: null, stepId: null, runId: null, files: 0 };
    const createdAt = info.mtime.toISOString();
    if (!isFingerprint(name)) {
      items.push({ ...base, kind: 'unfinished', createdAt });
      continue;
    }
    const found = await readEntry(workspace, name);
    if ('miss' in found) {
      items.push({ ...base, kind: 'broken', createdAt, problem: found.miss });
      continue;
    }
    const { entry } = found;
    items.push({
      ...base,
      kind: 'entry',
      workflow: entry.workflow,
      stepId: entry.stepId,
      runId: entry.runId,
      createdAt: entry.createdAt,
      files: entry.files.length,
    });
  }
  return items.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

/** Deletes the cache's folders (only those older than `olderThanMs` when given); returns them. */
export async function clearCache(
  workspace: string,
  olderThanMs: number | undefined,
  now: number = Date.now(),
): Promise<CacheItem[]> {
  const items = await listCache(workspace);
  const removed = items.filter(
    (item) => olderThanMs === undefined || now - Date.parse(item.createdAt) > olderThanMs,
  );
  for (const item of removed) {
    await rm(join(getCacheDir(workspace), item.name), { recursive: true, force: true });
  }
  return removed;
}

// Bytes of the files under a folder (links count as themselves, never followed).
async function measure(folder: string): Promise<number> {
  let total = 0;
  const entries = await readdir(folder, { withFileTypes: true, recursive: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const info = await lstat(join(entry.parentPath, entry.name)).catch(() => undefined);
    total += info?.size ?? 0;
  }
  return total;
}
