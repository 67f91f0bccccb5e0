// The results table: one row per figure, printed for people and kept as JSON.

/**
 * A row: `figure` (what is measured), `value` and `baseline` (text), `ratio` (a number or
 * undefined), `target` (text), `met` (true, false, or undefined for figures without a target).
 */
export function formatTable(rows) {
  const header = ['figure', 'value', 'baseline', 'ratio', 'target', 'met?'];
  const cells = rows.map((row) => [
    row.figure,
    row.value,
    row.baseline ?? '—',
    row.ratio === undefined ? '—' : `${row.ratio.toFixed(2)}×`,
    row.target ?? '—',
    row.met === undefined ? '—' : row.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...cells.map((c) => c[i].length)));
  const line = (values) => `| ${values.map((v, i) => v.padEnd(widths[i])).join(' | ')} |`;
  return [
    line(header),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...cells.map(line),
  ].join('\n');
}

/** Milliseconds as text: `850 ms`, `1.42 s`. */
export function formatMs(ms) {
  if (!Number.isFinite(ms)) return 'n/a';
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
}

/** A number with thousands separators. */
export function formatCount(value) {
  return Math.round(value).toLocaleString('en-US');
}
