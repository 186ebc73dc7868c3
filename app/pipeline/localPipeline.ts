import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { sleep } from '../../kernel/backoff.js';
import type { DriftMonitor, DriftSnapshot } from '../../processors/drift/DriftMonitor.js';
import { EVENT_LOG_FILE, LocalEventLog } from '../../processors/drift/LocalEventLog.js';
import { type BatchOutcome, FAILURE_MODES, type FailureMode } from '../../processors/inference/types.js';
import { STORE_FILE } from '../../processors/store/constants.js';
import type { DuckDbStore } from '../../processors/store/openDuckDbStore.js';
import type { MachineRisk, StoreCounts } from '../../processors/store/types.js';
import { encodeReading } from '../../schemas/codec/readingCodec.js';
import { createKinesisClient, ensureStream } from '../../stream/kinesis/client.js';
import { KinesisLocal } from '../../stream/kinesis/KinesisLocal.js';
import { KinesisWriter, type WriteEntry } from '../../stream/kinesis/KinesisWriter.js';
import { EventSourceRunner } from '../../stream/runner/EventSourceRunner.js';
import { FileCheckpointStore } from '../../stream/runner/FileCheckpointStore.js';
import { FileDeadLetter } from '../../stream/runner/FileDeadLetter.js';
import { createSimulator } from '../../stream/simulator/Simulator.js';
import type { DriftInjection, GroundTruth } from '../../stream/simulator/types.js';
import { openInferenceStack } from './inferenceStack.js';
import { createLocalDriftMonitor } from './localDriftMonitor.js';
import { poisonPlan, poisonRecord } from './poison.js';

export interface LocalPipelineOptions {
  /** Where the store, checkpoints and dead letters go; a run replaces what an earlier run left there. */
  dataDir: string;
  machines: number;
  /** Records to produce; undefined runs until `signal` aborts. */
  records?: number;
  /** Readings per second across the fleet; 0 produces as fast as Kinesis takes them. */
  rate: number;
  shards: number;
  seed: number;
  /** Simulated ms between two readings of one machine; default: the wall-clock interval the rate gives. */
  intervalMs?: number;
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
  millisBehindLatest: number;
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
  deadLetterPath: string;
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
  truthByMode: Record<FailureMode, number>;
  truthFailures: number;
  anyFailure: Confusion;
  topAtRisk: MachineRisk[];
  modelVersion: string;
  /** The drift monitor at the end of the run, and where its events are. */
  drift: DriftSnapshot | undefined;
  driftEventsPath: string | undefined;
}

const WRITE_CHUNK = 500;
const STALL_TIMEOUT_MS = 60_000;
const DRAIN_AFTER_STOP_MS = 15_000;

/** Runs the whole pipeline on this machine: kinesis-local, simulator, runner, inference handler, DuckDB store. */
export async function runLocalPipeline(opts: LocalPipelineOptions): Promise<PipelineSummary> {
  if (opts.records === undefined && !(opts.rate > 0))
    throw new Error('a run without --records needs --rate > 0');
  const storePath = join(opts.dataDir, STORE_FILE);
  const deadLetterPath = join(opts.dataDir, 'dead-letter.jsonl');
  const driftWindowRecords = opts.driftWindowRecords ?? 1000;
  for (const file of [
    STORE_FILE,
    `${STORE_FILE}.wal`,
    'checkpoints.json',
    'dead-letter.jsonl',
    'drift-checkpoints.json',
    'drift-dead-letter.jsonl',
    EVENT_LOG_FILE,
  ]) {
    rmSync(join(opts.dataDir, file), { force: true });
  }

  const live = { scored: 0, quarantined: 0, deadLettered: 0, predictedFailures: 0 };
  const truths = new Map<string, GroundTruth>();
  const anyFailure: Confusion = { tp: 0, fp: 0, fn: 0, tn: 0 };
  const truthByMode = Object.fromEntries(FAILURE_MODES.map((m) => [m, 0])) as Record<FailureMode, number>;
  let truthFailures = 0;

  const onOutcome = (outcome: BatchOutcome) => {
    live.scored += outcome.predictions.length;
    live.quarantined += outcome.quarantined.length;
    for (const p of outcome.predictions) {
      if (p.failure) live.predictedFailures++;
      const key = `${p.deviceId}#${p.readingSequence}`;
      const truth = truths.get(key);
      if (!truth) continue; // a redelivered record, already counted
      truths.delete(key);
      if (truth.failure) truthFailures++;
      for (const m of FAILURE_MODES) if (truth[m]) truthByMode[m]++;
      const cell = p.failure ? (truth.failure ? 'tp' : 'fp') : truth.failure ? 'fn' : 'tn';
      anyFailure[cell]++;
    }
  };

  const stack = await openInferenceStack({
    dataDir: opts.dataDir,
    ...(opts.artifactsDir ? { artifactsDir: opts.artifactsDir } : {}),
    onOutcome,
  });
  const { handler, store, artifacts } = stack;
  const streamName = opts.streamName ?? `pfm-readings-${Date.now()}`;
  let kinesisLocal: KinesisLocal | undefined;
  let client: KinesisClient | undefined;
  let runner: EventSourceRunner | undefined;
  let driftRunner: EventSourceRunner | undefined;
  let drift: DriftMonitor | undefined;
  const driftEventsPath = driftWindowRecords > 0 ? join(opts.dataDir, EVENT_LOG_FILE) : undefined;
  let driftHandled = 0;
  try {
    if (driftEventsPath) {
      drift = createLocalDriftMonitor({
        publisher: LocalEventLog.open(driftEventsPath),
        scoreSink: store.driftScores,
        windowRecords: driftWindowRecords,
        clock: Date.now,
        // Thresholds from a stationary simulated fleet of the same size, cached in the data directory.
        calibration: { simulate: { machines: opts.machines, cacheDir: opts.dataDir } },
        ...(opts.artifactsDir ? { artifactsDir: opts.artifactsDir } : {}),
      });
    }
    kinesisLocal = opts.endpoint
      ? undefined
      : await KinesisLocal.start({ logFile: join(opts.dataDir, 'kinesis-local.log') });
    client = createKinesisClient({ endpoint: opts.endpoint ?? kinesisLocal?.endpoint });
    await ensureStream(client, streamName, opts.shards);
    let runnerError: unknown;
    runner = new EventSourceRunner({
      client,
      streamName,
      handler,
      batchSize: opts.batchSize,
      batchingWindowMs: opts.batchingWindowMs,
      pollIntervalMs: 100,
      startingPosition: 'TRIM_HORIZON',
      checkpointStore: new FileCheckpointStore(join(opts.dataDir, 'checkpoints.json')),
      deadLetter: new FileDeadLetter(deadLetterPath),
      onBatch: (b) => {
        live.deadLettered += b.deadLettered;
      },
      onError: (err) => {
        runnerError = err;
      },
    });
    await runner.start();
    if (drift) {
      // The drift monitor is the stream's second consumer, with its own checkpoints, as in AWS.
      driftRunner = new EventSourceRunner({
        client,
        streamName,
        handler: drift.handler,
        batchSize: opts.batchSize,
        batchingWindowMs: opts.batchingWindowMs,
        pollIntervalMs: 100,
        maxRetryAttempts: -1,
        startingPosition: 'TRIM_HORIZON',
        checkpointStore: new FileCheckpointStore(join(opts.dataDir, 'drift-checkpoints.json')),
        deadLetter: new FileDeadLetter(join(opts.dataDir, 'drift-dead-letter.jsonl')),
        onBatch: (b) => {
          driftHandled += b.succeeded + b.deadLettered;
        },
        onError: (err) => {
          runnerError = err;
        },
      });
      await driftRunner.start();
    }

    await opts.onStarted?.({ store, drift });

    const startTime = opts.startTime ?? Date.now();
    const intervalMs = opts.intervalMs ?? (opts.rate > 0 ? (opts.machines * 1000) / opts.rate : 1000);
    const simulator = createSimulator({
      machines: opts.machines,
      seed: opts.seed,
      startTime,
      intervalMs,
      drift: opts.drift ?? [],
    });
    const writer = new KinesisWriter({ client, streamName, concurrency: 2 });
    const poison = poisonPlan(opts.poisonRate);
    let produced = 0;
    let poisoned = 0;
    const began = performance.now();

    const produce = async () => {
      const chunk =
        opts.rate > 0 ? Math.max(1, Math.min(WRITE_CHUNK, Math.round(opts.rate / 10))) : WRITE_CHUNK;
      while (!opts.signal?.aborted && (opts.records === undefined || produced < opts.records)) {
        const n = opts.records === undefined ? chunk : Math.min(chunk, opts.records - produced);
        const entries: WriteEntry[] = new Array(n);
        for (let i = 0; i < n; i++) {
          const { reading, truth } = simulator.next();
          const kind = poison(produced + i);
          if (kind) poisoned++;
          else truths.set(`${reading.deviceId}#${reading.sequenceNumber}`, truth);
          entries[i] = {
            data: kind ? poisonRecord(reading, kind) : encodeReading(reading),
            partitionKey: reading.deviceId,
          };
        }
        const result = await writer.write(entries);
        if (result.failed.length > 0) {
          throw new Error(
            `${result.failed.length} record(s) could not be written to Kinesis: ${result.failed[0]?.errorMessage}`,
          );
        }
        produced += n;
        if (opts.rate > 0) {
          const due = began + (produced / opts.rate) * 1000;
          const wait = due - performance.now();
          if (wait > 0) await sleep(wait, opts.signal).catch(() => undefined);
        }
      }
    };

    const accounted = () => live.scored + live.quarantined + live.deadLettered;
    let lastAccounted = 0;
    let lastTick = performance.now();
    const progress = (done: boolean) => {
      const now = performance.now();
      const stats = runner?.stats();
      const behind = Object.values(stats?.shards ?? {}).map((s) => s.millisBehindLatest ?? 0);
      const current = accounted();
      opts.onProgress?.({
        elapsedMs: now - began,
        produced,
        scored: live.scored,
        quarantined: live.quarantined,
        deadLettered: live.deadLettered,
        predictedFailures: live.predictedFailures,
        recordsPerSecond: done
          ? (current / (now - began)) * 1000
          : ((current - lastAccounted) / Math.max(1, now - lastTick)) * 1000,
        lagRecords: produced - current,
        millisBehindLatest: Math.max(0, ...behind),
        drift: drift?.snapshot(),
        done,
      });
      lastAccounted = current;
      lastTick = now;
    };
    const ticker = setInterval(() => progress(false), opts.progressIntervalMs ?? 500);

    let finishedAt = began;
    try {
      await produce();
      // Everything produced must come out the other end: scored, quarantined or dead-lettered.
      // After Ctrl-C, what was already produced still drains, for a bounded time.
      let lastChange = performance.now();
      let seen = accounted();
      const drainDeadline = opts.signal?.aborted
        ? performance.now() + DRAIN_AFTER_STOP_MS
        : Number.POSITIVE_INFINITY;
      const outstanding = () => accounted() < produced || (drift !== undefined && driftHandled < produced);
      while (outstanding() && performance.now() < drainDeadline) {
        if (runnerError) throw runnerError;
        await sleep(20);
        if (accounted() + driftHandled !== seen) {
          seen = accounted() + driftHandled;
          lastChange = performance.now();
        } else if (performance.now() - lastChange > STALL_TIMEOUT_MS) {
          throw new Error(
            `no progress for ${STALL_TIMEOUT_MS / 1000} s with ${produced - accounted()} record(s) outstanding`,
          );
        }
      }
      finishedAt = performance.now();
      // The last, partial drift window is evaluated too, so a shift near the end is not lost.
      await drift?.flush();
    } finally {
      clearInterval(ticker);
    }
    progress(true);
    await opts.onDrained?.({ client, streamName });
    await runner.stop();
    runner = undefined;
    await driftRunner?.stop();
    driftRunner = undefined;

    const counts = await store.fleetQueries.counts();
    const deadLettered = live.deadLettered;
    return {
      streamName,
      shards: opts.shards,
      dataDir: opts.dataDir,
      storePath,
      deadLetterPath,
      produced,
      poisoned,
      store: counts,
      deadLettered,
      accountedFor: counts.predictions + counts.quarantined + deadLettered === produced,
      durationMs: finishedAt - began,
      recordsPerSecond: (produced / Math.max(1, finishedAt - began)) * 1000,
      truthByMode,
      truthFailures,
      anyFailure,
      topAtRisk: await store.fleetQueries.topAtRisk({ limit: 5, window: 20 }),
      modelVersion: artifacts.modelVersion,
      drift: drift?.snapshot(),
      driftEventsPath,
    };
  } finally {
    await runner?.stop();
    await driftRunner?.stop();
    await stack.close();
    client?.destroy();
    await kinesisLocal?.stop();
  }
}
