import type { DriftSnapshot } from '../../processors/drift/DriftMonitor.js';
import type { FleetQueries } from '../../processors/store/types.js';
import type { OutcomeTally } from './OutcomeTally.js';
import { type ProducerStats, whatLimitedTheRate } from './rateLimit.js';
import type { RunPaths } from './runFiles.js';
import type { PipelineSummary } from './types.js';

/**
 * The end-of-run summary. Counts come back from the store, not from the live counters, so "accounted for"
 * checks what was stored: produced === stored predictions + quarantined + dead-lettered.
 */
export async function summarizeRun(run: {
  store: Pick<FleetQueries, 'counts' | 'topAtRisk'>;
  streamName: string;
  shards: number;
  dataDir: string;
  paths: RunPaths;
  produced: number;
  poisoned: number;
  tally: OutcomeTally;
  /** From the first record produced to the last one accounted for. */
  durationMs: number;
  /** From the last write to the last record accounted for. */
  catchUpMs: number;
  producer: ProducerStats;
  askedRate: number;
  readingTime: PipelineSummary['readingTime'];
  modelVersion: string;
  drift: { snapshot(): DriftSnapshot } | undefined;
}): Promise<PipelineSummary> {
  const counts = await run.store.counts();
  const deadLettered = run.tally.deadLettered;
  return {
    streamName: run.streamName,
    shards: run.shards,
    dataDir: run.dataDir,
    storePath: run.paths.store,
    deadLetterPath: deadLettered > 0 ? run.paths.deadLetter : undefined,
    readingTime: run.readingTime,
    produced: run.produced,
    poisoned: run.poisoned,
    store: counts,
    deadLettered,
    accountedFor: counts.predictions + counts.quarantined + deadLettered === run.produced,
    durationMs: run.durationMs,
    recordsPerSecond: (run.produced / Math.max(1, run.durationMs)) * 1000,
    askedRate: run.askedRate,
    rateLimit: whatLimitedTheRate(run.producer, run.askedRate),
    catchUpMs: run.catchUpMs,
    truthByMode: run.tally.truthByMode,
    truthFailures: run.tally.truthFailures,
    anyFailure: run.tally.anyFailure,
    topAtRisk: await run.store.topAtRisk({ limit: 5, window: 20 }),
    modelVersion: run.modelVersion,
    drift: run.drift?.snapshot(),
    driftEventsPath: run.drift ? run.paths.driftEvents : undefined,
  };
}
