// What a replay sends, read from the logs as the feed may show them: a run's events after a seq, or
// every run's events after an event id in time order; and what replays covered, so the live feed
// does not send those events again.

import { readFile, stat } from 'node:fs/promises';
import { serializeError } from '../errors.js';
import type { MiaEvent } from '../events/types.js';
import { getEventsPath } from '../store/paths.js';
import { listRunIds } from '../store/runs.js';
import { isBroadcast } from './channels.js';
import type { RunFeed } from './feed.js';

/** Events replayed after an event id the logs do not hold: the last ones. */
export const RECENT_EVENT_COUNT = 200;
/**
 * A log last written this long before the event a replay starts after holds nothing later: events
 * are stamped before they are written. The slack covers coarse file-system clocks.
 */
const MTIME_SLACK_MS = 2000;
/** Coverages kept per run, at most (the oldest go: a duplicate is possible then, never a gap). */
const MAX_COVERAGES_PER_RUN = 16;

/**
 * What a replay settled of one run: the events up to `toSeq` that it matched are the client's
 * (it had them before `since`, or the replay sent them).
 */
export interface Coverage {
  runId: string;
  toSeq: number;
  matches: (event: MiaEvent) => boolean;
}

/** A replay across runs: its events in time order, what it covered, and runs it could not read. */
export interface CrossRunReplay {
  events: MiaEvent[];
  coverage: Coverage[];
  problems: string[];
}

/** A run's events after `since` that `matches` keeps, and the coverage of that read. */
export async function readRunSince(
  feed: RunFeed,
  runId: string,
  since: number,
  matches: (event: MiaEvent) => boolean,
): Promise<{ events: MiaEvent[]; coverage: Coverage }> {
  const read = await feed.readSince(runId, since);
  const toSeq = read.at(-1)?.seq ?? since;
  return { events: read.filter(matches), coverage: { runId, toSeq, matches } };
}

/**
 * The events `matches` keeps that came after the event `sinceId`: of its run, those of a higher
 * seq; of other runs, those stamped later. Runs are merged in time order, each in seq order. When
 * no log holds `sinceId` (or none is given), the last RECENT_EVENT_COUNT events. Only the logs
 * that can hold what is sent are read whole: a replay after an unknown id (a deleted run's, or
 * another server's) costs the last logs, never every run of the workspace in memory.
 */
export async function readAfterEvent(
  feed: RunFeed,
  sinceId: string | undefined,
  matches: (event: MiaEvent) => boolean,
): Promise<CrossRunReplay> {
  const runs = await listRunsByRecency(feed.workspace);
  const read = new Map<string, { events: MiaEvent[]; toSeq: number }>();
  const problems: string[] = [];
  /** Reads a run's log as the feed may show it; returns all its events. */
  const scan = async (runId: string): Promise<MiaEvent[]> => {
    try {
      const events = await feed.readSince(runId, 0);
      read.set(runId, { events: events.filter(matches), toSeq: events.at(-1)?.seq ?? 0 });
      return events;
    } catch (error) {
      problems.push(`run ${runId}: ${serializeError(error).message}`);
      return [];
    }
  };
  // The newest logs first: the event a client saw last is most likely there. A log is parsed only
  // when its text holds the id as a JSON string, and kept only when it holds the event.
  let found: MiaEvent | undefined;
  const quoted = JSON.stringify(sinceId);
  for (const run of sinceId === undefined ? [] : runs) {
    const text = await readFile(getEventsPath(feed.workspace, run.runId), 'utf8').catch(() => '');
    if (!text.includes(quoted)) continue;
    found = (await scan(run.runId)).find((event) => event.id === sinceId);
    if (found) break;
    read.delete(run.runId);
  }
  let events: MiaEvent[];
  if (found) {
    const after = Date.parse(found.timestamp);
    for (const run of runs) {
      if (!read.has(run.runId) && run.mtimeMs >= after - MTIME_SLACK_MS) await scan(run.runId);
    }
    const { runId, seq } = found;
    const isAfter = (event: MiaEvent) =>
      event.runId === runId ? event.seq > seq : Date.parse(event.timestamp) > after;
    events = mergeByTime([...read.values()].map((run) => run.events.filter(isAfter)));
  } else {
    // Newest logs first, until no older log can hold one of the last events (a log holds nothing
    // stamped after it was last written); only those last events are kept.
    events = [];
    for (const run of runs) {
      const oldest = events.length < RECENT_EVENT_COUNT ? undefined : events[0];
      if (oldest && run.mtimeMs + MTIME_SLACK_MS < Date.parse(oldest.timestamp)) break;
      if (!read.has(run.runId)) await scan(run.runId);
      events = mergeByTime([events, read.get(run.runId)?.events ?? []]).slice(-RECENT_EVENT_COUNT);
      read.set(run.runId, { events: [], toSeq: read.get(run.runId)?.toSeq ?? 0 });
    }
  }
  const coverage = [...read].map(([runId, { toSeq }]) => ({ runId, toSeq, matches }));
  return { events, coverage, problems };
}

/** Merges lists each in its own order into one in time order (ties: the earlier list first). */
export function mergeByTime(lists: readonly MiaEvent[][]): MiaEvent[] {
  const merged: MiaEvent[] = [];
  const heads = lists.map(() => 0);
  for (;;) {
    let pick = -1;
    let pickTime = Number.POSITIVE_INFINITY;
    for (const [index, list] of lists.entries()) {
      const event = list[heads[index] ?? 0];
      if (!event) continue;
      const time = Date.parse(event.timestamp);
      if (pick === -1 || time < pickTime) {
        pick = index;
        pickTime = time;
      }
    }
    if (pick === -1) return merged;
    merged.push(lists[pick]?.[heads[pick] ?? 0] as MiaEvent);
    heads[pick] = (heads[pick] ?? 0) + 1;
  }
}

/** The workspace's runs, the most recently written first. */
async function listRunsByRecency(
  workspace: string,
): Promise<Array<{ runId: string; mtimeMs: number }>> {
  const runs = await Promise.all(
    (await listRunIds(workspace)).map(async (runId) => ({
      runId,
      mtimeMs: await stat(getEventsPath(workspace, runId)).then(
        (stats) => stats.mtimeMs,
        () => 0,
      ),
    })),
  );
  return runs.sort((a, b) => b.mtimeMs - a.mtimeMs);
}

/**
 * What one client already has, so that nothing reaches it twice: what its replays settled (a live
 * event they cover is not sent), and what it got live before it subscribed (a replay leaves it out).
 */
export class ClientHistory {
  readonly #byRun = new Map<string, Coverage[]>();
  /** Per run, the seqs between which every broadcast event went to the client live. */
  readonly #broadcast = new Map<string, { from: number; to: number }>();

  /** Notes an event sent live while the client had not subscribed (the broadcast). */
  noteBroadcast(event: MiaEvent): void {
    const range = this.#broadcast.get(event.runId);
    if (range) range.to = Math.max(range.to, event.seq);
    else this.#broadcast.set(event.runId, { from: event.seq, to: event.seq });
  }

  /** True when the client got `event` live in the broadcast. */
  hasBroadcast(event: MiaEvent): boolean {
    const range = this.#broadcast.get(event.runId);
    return (
      range !== undefined && event.seq >= range.from && event.seq <= range.to && isBroadcast(event)
    );
  }

  /** Remembers what a replay settled of a run. */
  add(coverage: Coverage): void {
    if (coverage.toSeq < 1) return;
    const list = this.#byRun.get(coverage.runId) ?? [];
    list.push(coverage);
    if (list.length > MAX_COVERAGES_PER_RUN) list.shift();
    this.#byRun.set(coverage.runId, list);
  }

  /**
   * True when a replay covered `event`. Live events of a run come in seq order, so coverages that end
   * below this one can never match again and are forgotten.
   */
  isCovered(event: MiaEvent): boolean {
    const list = this.#byRun.get(event.runId);
    if (!list) return false;
    const isCovered = list.some(
      (coverage) => event.seq <= coverage.toSeq && coverage.matches(event),
    );
    const rest = list.filter((coverage) => coverage.toSeq > event.seq);
    if (rest.length === 0) this.#byRun.delete(event.runId);
    else this.#byRun.set(event.runId, rest);
    return isCovered;
  }
}
