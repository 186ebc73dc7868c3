/** Where the producer's time went while it wrote the run's readings. */
export interface ProducerStats {
  /** Records written. */
  written: number;
  /** From the first write to the last one's answer. */
  producingMs: number;
  /** PutRecords calls made (each with retries of what failed) and the time spent waiting on them. */
  writes: number;
  writeMs: number;
  /** Time spent holding back for --rate, and for readings stamped in the future (a live run). */
  rateWaitMs: number;
  clockWaitMs: number;
}

/** What set the pace of a run's writes, with the figures that show it. */
export type RateLimit =
  | { by: 'reading-time'; writtenPerSecond: number }
  | { by: 'rate'; writtenPerSecond: number }
  | {
      by: 'kinesis-writes';
      writtenPerSecond: number;
      /** Share of the producing time spent waiting on PutRecords. */
      busyShare: number;
      msPerWrite: number;
      recordsPerWrite: number;
    };

/**
 * Says what limited the write rate: the readings' own times (a live run waits for them), the --rate asked
 * (it was reached), or else the Kinesis writes themselves: the producer spent its time waiting on PutRecords.
 */
export function whatLimitedTheRate(stats: ProducerStats, askedRate: number): RateLimit {
  const writtenPerSecond = stats.producingMs > 0 ? (stats.written / stats.producingMs) * 1000 : 0;
  if (stats.clockWaitMs > stats.producingMs / 2) return { by: 'reading-time', writtenPerSecond };
  if (askedRate > 0 && writtenPerSecond >= 0.9 * askedRate) return { by: 'rate', writtenPerSecond };
  return {
    by: 'kinesis-writes',
    writtenPerSecond,
    busyShare: stats.producingMs > 0 ? Math.min(1, stats.writeMs / stats.producingMs) : 0,
    msPerWrite: stats.writes > 0 ? stats.writeMs / stats.writes : 0,
    recordsPerWrite: stats.writes > 0 ? stats.written / stats.writes : 0,
  };
}
