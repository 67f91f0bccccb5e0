// `mia cache show` and `mia cache clear [--older-than D]`: the step cache of the workspace.

import { type CacheItem, clearCache, listCache } from '../../cache/inventory.js';
import { formatDuration } from '../../util/duration.js';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit-codes.js';

/** Lists the entries with their step, run, files and size, and the total. */
export async function showCacheCommand(
  ctx: CommandContext,
  options: { json?: boolean },
): Promise<number> {
  const items = await listCache(ctx.workspace);
  const totalBytes = items.reduce((sum, item) => sum + item.bytes, 0);
  if (options.json) {
    ctx.io.out(`${JSON.stringify({ entries: items, totalBytes })}\n`);
    return EXIT.ok;
  }
  if (items.length === 0) {
    ctx.io.out(
      'The step cache is empty (.mia/cache/). Steps with `cache:` fill it as they complete.\n',
    );
    return EXIT.ok;
  }
  for (const item of items) ctx.io.out(`${describeItem(item)}\n`);
  const entries = items.filter((item) => item.kind === 'entry').length;
  ctx.io.out(
    `${entries} entr${entries === 1 ? 'y' : 'ies'}, ${formatBytes(totalBytes)} in total\n`,
  );
  return EXIT.ok;
}

/** Deletes every entry, or those older than --older-than; says what it freed. */
export async function clearCacheCommand(
  ctx: CommandContext,
  options: { olderThan?: number; json?: boolean },
): Promise<number> {
  const removed = await clearCache(ctx.workspace, options.olderThan);
  const bytes = removed.reduce((sum, item) => sum + item.bytes, 0);
  if (options.json) {
    ctx.io.out(
      `${JSON.stringify({ removed: removed.map((item) => item.name), freedBytes: bytes })}\n`,
    );
    return EXIT.ok;
  }
  const age =
    options.olderThan === undefined ? '' : ` older than ${formatDuration(options.olderThan)}`;
  ctx.io.out(`Removed ${removed.length} cache folder(s)${age}, ${formatBytes(bytes)} freed.\n`);
  return EXIT.ok;
}

function describeItem(item: CacheItem): string {
  const name = item.name.slice(0, 12);
  const size = formatBytes(item.bytes).padStart(9);
  if (item.kind === 'unfinished')
    return `${name}  ${size}  left by a write that never finished (never used; removed after a day)`;
  if (item.kind === 'broken')
    return `${name}  ${size}  broken: ${item.problem} (a miss; rewritten when its step runs)`;
  return `${name}  ${size}  ${item.workflow}/${item.stepId} from run ${item.runId}, ${item.files} file(s), ${item.createdAt}`;
}

/** Bytes for people: 512 B, 4.0 KiB, 12.3 MiB. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
