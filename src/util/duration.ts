// Durations as written in YAML (`500ms`, `2s`, `10m`, `1h`, or plain milliseconds).

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
/**
 * The longest duration anything takes: the largest whole number of milliseconds a double holds
 * exactly (about 285,000 years). Timers longer than Node's own limit are chained (util/timers).
 */
export const MAX_DURATION_MS = Number.MAX_SAFE_INTEGER;
const DURATION_PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/;

/** Parses a duration into milliseconds; returns undefined when it is not one. */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') {
    return Number.isFinite(value) && value >= 0 ? value : undefined;
  }
  const match = DURATION_PATTERN.exec(value.trim());
  if (!match) return undefined;
  const amount = Number(match[1]);
  const unit = match[2] ?? 'ms';
  return Math.round(amount * (UNIT_MS[unit] ?? 1));
}

/**
 * Formats milliseconds for people, the same on every surface (terminal, story, page): `850ms`,
 * `4.2s`, `12s`, `3m 5s`, `1h 2m`; nothing for an unknown duration.
 */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '';
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  if (ms < 9950) return `${(ms / 1000).toFixed(1)}s`;
  const totalSeconds = Math.round(ms / 1000);
  if (totalSeconds < 60) return `${totalSeconds}s`;
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  return hours > 0 ? `${hours}h ${minutes}m` : `${minutes}m ${seconds}s`;
}
