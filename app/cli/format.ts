/**
 * Renders rows as an aligned text table. Numbers are right-aligned and every number of a column has the same
 * format: counts with thousands separators; a column of fractions (all within ±1, e.g. probabilities) with 3
 * decimals; any other column with decimals with 1. So 1 and 0.71 in one column read 1.000 and 0.710.
 */
export function renderTable(headers: string[], rows: (string | number)[][]): string {
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  const formats = headers.map((_, i) =>
    numeric[i] ? columnFormat(rows.map((r) => r[i] as number)) : undefined,
  );
  const cells = rows.map((row) =>
    row.map((c, i) => (typeof c === 'number' ? (formats[i] ?? formatNumber)(c) : c)),
  );
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (numeric[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

/** One format for a column of numbers (see renderTable). */
function columnFormat(values: number[]): (n: number) => string {
  if (values.every(Number.isInteger)) return formatCount;
  const decimals = values.every((v) => Math.abs(v) <= 1) ? 3 : 1;
  return (n) =>
    Number.isFinite(n)
      ? n.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals })
      : String(n);
}

const formatCount = (n: number) => n.toLocaleString('en-US');

/** A horizontal bar of `width` cells for a value in [0, max], so a summary can be read at a glance. */
export function bar(value: number, max: number, width = 30): string {
  if (!(max > 0) || !(value > 0)) return '';
  const cells = Math.max(1, Math.round((value / max) * width));
  return '█'.repeat(Math.min(width, cells));
}

/** Thousands separators for counts, 3 decimals for fractions, 1 decimal otherwise: the numbers of a sentence. */
export function formatNumber(n: number): string {
  if (Number.isInteger(n)) return formatCount(n);
  if (Math.abs(n) < 1) return n.toFixed(3);
  return n.toLocaleString('en-US', { maximumFractionDigits: 1 });
}

/** A duration as a person reads it: 850 ms, 4.2 s, 3 min 5 s, 2 h 10 min. */
export function formatElapsed(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** An instant in UTC to the minute: 2026-01-05 12:03 UTC. */
export function formatInstant(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
