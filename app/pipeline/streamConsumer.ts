import {
  EventSourceRunner,
  type EventSourceRunnerOptions,
  type KinesisBatchHandler,
} from '../../stream/runner/EventSourceRunner.js';
import { FileCheckpointStore } from '../../stream/runner/FileCheckpointStore.js';
import { FileDeadLetter } from '../../stream/runner/FileDeadLetter.js';
import type { BatchStats, EngineStats, RunnerNotice } from '../../stream/runner/types.js';
import { DEFAULT_ENGINE_PATIENCE_MS } from './eventSourceSettings.js';
import type { PipelineStream } from './openStream.js';
import { formatRunnerNotice } from './runnerNotices.js';

/** One consumer of the run's stream. */
export interface StreamConsumer {
  /** How far behind the stream's tip its furthest-behind shard is (0 before the first read). */
  millisBehindLatest(): number;
  /** Whether the Kinesis endpoint answers the consumer's calls. */
  engine(): EngineStats;
  /** Stops polling after the batch in flight; later calls wait for the same stop. */
  stop(): Promise<void>;
}

export interface StreamConsumerOptions {
  stream: PipelineStream;
  handler: KinesisBatchHandler;
  batchSize: number;
  batchingWindowMs: number;
  /** How the event source mapping splits, retries and gives up (eventSourceSettings.ts). */
  eventSource: Pick<
    EventSourceRunnerOptions,
    'bisectBatchOnFunctionError' | 'reportBatchItemFailures' | 'maxRetryAttempts' | 'maxRecordAgeSeconds'
  >;
  /** How long the endpoint may stay unreachable before the consumer fails; default 60 s. */
  enginePatienceMs?: number;
  checkpointPath: string;
  deadLetterPath: string;
  onBatch: (stats: BatchStats) => void;
  /** Called once if the consumer fails for good. */
  onError: (err: unknown) => void;
  /** Where the runner's notices go; default one line each on stderr. */
  onNotice?: (notice: RunnerNotice) => void;
}

/**
 * Attaches a Lambda-shaped handler to the stream as an event-source mapping would, reading every shard from
 * its start (TRIM_HORIZON), with checkpoints and dead letters in files of its own.
 */
export async function startStreamConsumer(opts: StreamConsumerOptions): Promise<StreamConsumer> {
  const runner = new EventSourceRunner({
    client: opts.stream.client,
    streamName: opts.stream.streamName,
    handler: opts.handler,
    batchSize: opts.batchSize,
    batchingWindowMs: opts.batchingWindowMs,
    pollIntervalMs: 100,
    ...opts.eventSource,
    enginePatienceMs: opts.enginePatienceMs ?? DEFAULT_ENGINE_PATIENCE_MS,
    startingPosition: 'TRIM_HORIZON',
    checkpointStore: new FileCheckpointStore(opts.checkpointPath),
    deadLetter: new FileDeadLetter(opts.deadLetterPath),
    onBatch: opts.onBatch,
    onError: opts.onError,
    onNotice:
      opts.onNotice ??
      ((notice) => console.error(`pfm: ${formatRunnerNotice(notice, opts.stream.endpoint)}`)),
  });
  await runner.start();
  let stopped: Promise<void> | undefined;
  return {
    millisBehindLatest: () =>
      Math.max(0, ...Object.values(runner.stats().shards).map((s) => s.millisBehindLatest ?? 0)),
    engine: () => runner.stats().engine,
    stop: () => {
      stopped ??= runner.stop();
      return stopped;
    },
  };
}
