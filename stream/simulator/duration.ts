/** Milliseconds per unit of the durations the simulator's flags take. */
export const DURATION_UNITS_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/** Parses "250ms", "30s", "10m", "48h", "2d" into milliseconds; undefined when the text is not one. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  return Math.round(Number(match[1]) * DURATION_UNITS_MS[match[2] as keyof typeof DURATION_UNITS_MS]);
}

/** A duration in the largest unit that keeps it readable: 48h, 90m, 7.5m, 30s, 3d. */
export function formatDuration(ms: number): string {
  const units: [string, number][] = [
    ['d', DURATION_UNITS_MS.d],
    ['h', DURATION_UNITS_MS.h],
    ['m', DURATION_UNITS_MS.m],
    ['s', DURATION_UNITS_MS.s],
  ];
  for (const [unit, size] of units) {
    // Days only from 3 on: "48h" reads better than "2d".
    if (ms >= size * (unit === 'd' ? 3 : 1)) {
      const n = ms / size;
      return `${Number.isInteger(n) ? n : Number(n.toFixed(1))}${unit}`;
    }
  }
  return `${ms}ms`;
}
