import type { DriftSnapshot } from '../../processors/drift/DriftMonitor.js';
import type { PipelineProgress } from './types.js';

/** The run's counters at one moment. */
export interface RunCounts {
  produced: number;
  scored: number;
  quarantined: number;
  deadLettered: number;
  predictedFailures: number;
}

export interface ProgressReporterOptions {
  /** performance.now() when producing began. */
  began: number;
  counts: () => RunCounts;
  /** The inference consumer's IteratorAge (ms). */
  lagMs: () => number;
  /** Records the run will produce, when it has a count. */
  total?: number;
  drift: () => DriftSnapshot | undefined;
  onProgress?: (progress: PipelineProgress) => void;
  now?: () => number;
}

/** Turns the run's counters into progress reports: a rate over the last interval while running, overall at the end. */
export class ProgressReporter {
  private lastAccounted = 0;
  private lastTick: number;
  private readonly now: () => number;

  constructor(private readonly opts: ProgressReporterOptions) {
    this.now = opts.now ?? (() => performance.now());
    this.lastTick = this.now();
  }

  /** Reports once; `done` marks the last report, whose rate covers the whole run. */
  report(done: boolean): void {
    const now = this.now();
    const c = this.opts.counts();
    const accounted = c.scored + c.quarantined + c.deadLettered;
    const elapsedMs = now - this.opts.began;
    this.opts.onProgress?.({
      elapsedMs,
      produced: c.produced,
      scored: c.scored,
      quarantined: c.quarantined,
      deadLettered: c.deadLettered,
      predictedFailures: c.predictedFailures,
      recordsPerSecond: done
        ? (accounted / elapsedMs) * 1000
        : ((accounted - this.lastAccounted) / Math.max(1, now - this.lastTick)) * 1000,
      lagRecords: c.produced - accounted,
      // Caught up: whatever the last batch's age was, nothing is waiting now.
      lagMs: c.produced === accounted ? 0 : this.opts.lagMs(),
      total: this.opts.total,
      drift: this.opts.drift(),
      done,
    });
    this.lastAccounted = accounted;
    this.lastTick = now;
  }

  /** Reports every `intervalMs` until the returned function is called. */
  every(intervalMs: number): () => void {
    const ticker = setInterval(() => this.report(false), intervalMs);
    return () => clearInterval(ticker);
  }
}
