// Small statistics for benchmark samples.

/** The median of `values` (the mean of the two middle ones for an even count). */
export function median(values) {
  return percentile(values, 50);
}

/** The p-th percentile (0-100) of `values`, linearly interpolated. */
export function percentile(values, p) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}

/** Peak resident memory of this process so far, in MB (VmHWM, or maxRSS where /proc is absent). */
export async function readPeakRssMb() {
  const { readFile } = await import('node:fs/promises');
  try {
    const status = await readFile('/proc/self/status', 'utf8');
    const kb = /^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1];
    if (kb) return Number(kb) / 1024;
  } catch {
    // Not Linux.
  }
  return process.resourceUsage().maxRSS / 1024;
}
