import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { DriftMonitor, DriftSnapshot } from '../../processors/drift/DriftMonitor.js';
import type { FailureMode } from '../../processors/inference/types.js';
import type { DuckDbStore } from '../../processors/store/openDuckDbStore.js';
import type { MachineRisk, StoreCounts } from '../../processors/store/types.js';
import type { DriftInjection } from '../../stream/simulator/types.js';
import type { RateLimit } from './rateLimit.js';
import type { ReadingTimePlan } from './readingTime.js';

// The local pipeline's public shapes: what runLocalPipeline takes, reports while it runs, and returns.

export interface LocalPipelineOptions {
  /**
   * The run's own folder: store, checkpoints, dead letters, events. It must not hold another run's store (a
   * run never overwrites one); `pfm run` makes a new folder per run (runFiles.ts).
   */
  dataDir: string;
  /** Where what runs share is kept (the drift calibration cache); default `dataDir`. */
  cacheDir?: string;
  machines: number;
  /** Records to produce; undefined runs until `signal` aborts. */
  records?: number;
  /** Most readings per second across the fleet; 0 produces as fast as Kinesis takes them. */
  rate: number;
  shards: number;
  seed: number;
  /** Simulated ms between two readings of one machine; default: the wall-clock interval the rate gives. */
  intervalMs?: number;
  /** With it, each machine reads at its own interval in [intervalMs, maxIntervalMs]. */
  maxIntervalMs?: number;
  /**
   * Epoch ms of the fleet's first reading slot; default: so the `records` readings end now (or, without a
   * count, now). No reading is written before the time it is stamped with.
   */
  startTime?: number;
  drift?: readonly DriftInjection[];
  /** Fraction of records replaced by deliberately bad ones (see poison.ts). */
  poisonRate: number;
  batchSize: number;
  batchingWindowMs: number;
  /** An existing Kinesis endpoint (LocalStack, AWS); without it the pipeline starts kinesis-local. */
  endpoint?: string;
  streamName?: string;
  artifactsDir?: string;
  /** Readings per drift window; 0 turns the drift monitor (the stream's second consumer) off. Default 1,000. */
  driftWindowRecords?: number;
  signal?: AbortSignal;
  /** Wall clock (epoch ms), injected for tests; default Date.now. */
  clock?: () => number;
  progressIntervalMs?: number;
  onProgress?: (progress: PipelineProgress) => void;
  /** Runs once the store and the drift monitor are open, before any record is produced (the dashboard hooks in). */
  onStarted?: (ctx: { store: DuckDbStore; drift: DriftMonitor | undefined }) => void | Promise<void>;
  /** Runs after every record is accounted for, while the stream still exists (used by the benchmark). */
  onDrained?: (ctx: { client: KinesisClient; streamName: string }) => Promise<void>;
}

export interface PipelineProgress {
  elapsedMs: number;
  produced: number;
  scored: number;
  quarantined: number;
  deadLettered: number;
  predictedFailures: number;
  /** Records accounted for per second over the last progress interval. */
  recordsPerSecond: number;
  /** Produced but not yet accounted for. */
  lagRecords: number;
  /** The inference consumer's IteratorAge: age of the newest record of its latest batch, 0 once caught up. */
  lagMs: number;
  /** Records the run will produce, when it has a count. */
  total: number | undefined;
  /** The drift monitor's view, when it runs. */
  drift: DriftSnapshot | undefined;
  done: boolean;
}

/** Predicted vs simulated ground truth, counted over scored records. */
export interface Confusion {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

export interface PipelineSummary {
  streamName: string;
  shards: number;
  dataDir: string;
  storePath: string;
  /** The dead-letter file, when the run dead-lettered anything (it is only created then). */
  deadLetterPath: string | undefined;
  /** The reading time the run planned, and the first and last reading it produced (epoch ms). */
  readingTime: ReadingTimePlan & { first: number | undefined; last: number | undefined };
  produced: number;
  poisoned: number;
  /** Counts read back from the store at the end, not from in-memory counters. */
  store: StoreCounts;
  deadLettered: number;
  /** produced === scored + quarantined + dead-lettered, checked against the store. */
  accountedFor: boolean;
  durationMs: number;
  /** End-to-end records per second, from the first record produced to the last one accounted for. */
  recordsPerSecond: number;
  /** The --rate asked (0: as fast as possible), and what set the pace of the writes. */
  askedRate: number;
  rateLimit: RateLimit;
  /** From the last write to the last record accounted for: how long the consumers needed to catch up. */
  catchUpMs: number;
  truthByMode: Record<FailureMode, number>;
  truthFailures: number;
  anyFailure: Confusion;
  topAtRisk: MachineRisk[];
  modelVersion: string;
  /** The drift monitor at the end of the run, and where its events are. */
  drift: DriftSnapshot | undefined;
  driftEventsPath: string | undefined;
}
