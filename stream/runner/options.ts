import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { RUNNER_ERROR_CODES, RunnerError } from './errors.js';
import type {
  BatchStats,
  CheckpointStore,
  DeadLetterSink,
  KinesisBatchHandler,
  StartingPosition,
} from './types.js';

/** Options for the EventSourceRunner; names and defaults follow Lambda's event source mapping. */
export interface EventSourceRunnerOptions {
  client: KinesisClient;
  streamName: string;
  handler: KinesisBatchHandler;
  /** Records per invocation, 1 to 10,000; default 100. */
  batchSize?: number;
  /** How long to gather records before invoking, 0 to 300,000 ms; default 0 (invoke with what one read returns). */
  batchingWindowMs?: number;
  /** Redeliveries of a failing batch before its records are dead-lettered; -1 retries forever; default 3. */
  maxRetryAttempts?: number;
  startingPosition: StartingPosition;
  checkpointStore: CheckpointStore;
  deadLetter: DeadLetterSink;
  /** Pause after a read that returned nothing; default 1,000 ms (Lambda polls each shard once a second). */
  pollIntervalMs?: number;
  /** First pause before redelivering a failed batch, doubled per retry; default 200 ms. */
  retryDelayMs?: number;
  /** Longest pause before a redelivery or after a throttled read; default 10,000 ms. */
  maxRetryDelayMs?: number;
  /** awsRegion of the events; default the stream ARN's region. */
  region?: string;
  /** invokeIdentityArn of the events; default a role in the stream's account. */
  invokeIdentityArn?: string;
  onBatch?: (stats: BatchStats) => void;
  /** Called once when a shard loop fails for good (e.g. the stream was deleted); all loops then stop. */
  onError?: (err: unknown) => void;
  random?: () => number;
}

/** Options for the EventSourceRunner's waitForIdle. */
export interface WaitForIdleOptions {
  /** No record may have arrived for this long; default 500 ms. */
  quietMs?: number;
  /** Give up after this long; default 60,000 ms. */
  timeoutMs?: number;
}

/** The options with every default filled in. */
export type ResolvedRunnerOptions = EventSourceRunnerOptions &
  Required<
    Pick<
      EventSourceRunnerOptions,
      | 'batchSize'
      | 'batchingWindowMs'
      | 'maxRetryAttempts'
      | 'pollIntervalMs'
      | 'retryDelayMs'
      | 'maxRetryDelayMs'
      | 'random'
    >
  >;

/** Lambda's event source mapping limits (CreateEventSourceMapping: BatchSize, MaximumBatchingWindowInSeconds, MaximumRetryAttempts). */
export const RUNNER_LIMITS = {
  maxBatchSize: 10_000,
  maxBatchingWindowMs: 300_000,
  maxRetryAttempts: 10_000,
  maxPollIntervalMs: 3_600_000,
} as const;

/** Fills in the defaults and checks every option against its limits; throws one error naming every bad option. */
export function resolveRunnerOptions(opts: EventSourceRunnerOptions): ResolvedRunnerOptions {
  const resolved: ResolvedRunnerOptions = {
    ...opts,
    batchSize: opts.batchSize ?? 100,
    batchingWindowMs: opts.batchingWindowMs ?? 0,
    maxRetryAttempts: opts.maxRetryAttempts ?? 3,
    pollIntervalMs: opts.pollIntervalMs ?? 1_000,
    retryDelayMs: opts.retryDelayMs ?? 200,
    maxRetryDelayMs: opts.maxRetryDelayMs ?? 10_000,
    random: opts.random ?? Math.random,
  };
  validate(resolved);
  return resolved;
}

function validate(opts: ResolvedRunnerOptions): void {
  const problems: string[] = [];
  const intIn = (name: string, value: number, min: number, max: number): void => {
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer from ${min} to ${max}, got ${value}`);
    }
  };
  intIn('batchSize', opts.batchSize, 1, RUNNER_LIMITS.maxBatchSize);
  intIn('batchingWindowMs', opts.batchingWindowMs, 0, RUNNER_LIMITS.maxBatchingWindowMs);
  intIn('maxRetryAttempts', opts.maxRetryAttempts, -1, RUNNER_LIMITS.maxRetryAttempts);
  intIn('pollIntervalMs', opts.pollIntervalMs, 0, RUNNER_LIMITS.maxPollIntervalMs);
  if (opts.startingPosition !== 'TRIM_HORIZON' && opts.startingPosition !== 'LATEST') {
    problems.push(`startingPosition must be TRIM_HORIZON or LATEST, got ${String(opts.startingPosition)}`);
  }
  if (!opts.streamName) problems.push('streamName is required');
  if (problems.length > 0) {
    throw new RunnerError(
      RUNNER_ERROR_CODES.invalidConfig,
      `invalid EventSourceRunner options: ${problems.join('; ')}`,
    );
  }
}
