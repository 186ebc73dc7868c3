import type { PipelineProgress } from '../pipeline/localPipeline.js';
import { formatElapsed, formatNumber } from './format.js';

/**
 * The live progress line of `pfm run`, fitted to `width` columns: parts are added in order of importance while
 * they fit, and shown in reading order. Without a width (not a terminal) every part is there.
 */
export function progressLine(p: PipelineProgress, width?: number): string {
  const accounted = p.scored + p.quarantined + p.deadLettered;
  const parts: { text: string; rank: number }[] = [
    {
      text: `${(p.elapsedMs / 1000).toFixed(1).padStart(5)}s${p.total ? ` ${Math.floor((100 * accounted) / p.total)}%`.padStart(5) : ''}`,
      rank: 0,
    },
    {
      text: `in ${formatNumber(p.produced)}${p.total ? `/${formatNumber(p.total)}` : ''}`,
      rank: 5,
    },
    { text: `scored ${formatNumber(p.scored)}`, rank: 1 },
    { text: `quarantined ${formatNumber(p.quarantined)}`, rank: 4 },
    { text: `dead-letter ${formatNumber(p.deadLettered)}`, rank: 6 },
    { text: `${formatNumber(Math.round(p.recordsPerSecond))} rec/s`, rank: 2 },
    { text: `lag ${formatNumber(p.lagRecords)} rec, ${formatElapsed(p.lagMs)}`, rank: 3 },
    { text: `alarms ${formatNumber(p.predictedFailures)}`, rank: 7 },
    ...(p.drift
      ? [
          {
            text: `drift ${p.drift.fleet} (${formatNumber(p.drift.windows.evaluated)} windows, ${formatNumber(p.drift.events.emitted)} events)`,
            rank: 8,
          },
        ]
      : []),
  ];
  const separator = ' | ';
  let chosen = new Set<number>();
  for (const rank of [...parts.map((x) => x.rank)].sort((a, b) => a - b)) {
    const next = new Set([...chosen, rank]);
    const text = parts
      .filter((x) => next.has(x.rank))
      .map((x) => x.text)
      .join(separator);
    if (width !== undefined && text.length > width && chosen.size > 0) break;
    chosen = next;
  }
  const line = parts
    .filter((x) => chosen.has(x.rank))
    .map((x) => x.text)
    .join(separator);
  return width !== undefined && line.length > width ? line.slice(0, Math.max(0, width)) : line;
}
