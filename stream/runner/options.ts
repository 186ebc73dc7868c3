import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { RUNNER_ERROR_CODES, RunnerError } from './errors.js';
import type {
  BatchStats,
  CheckpointStore,
  DeadLetterSink,
  KinesisBatchHandler,
  RunnerNotice,
  StartingPosition,
} from './types.js';

/**
 * Options for the EventSourceRunner; names, ranges and defaults follow Lambda's event source mapping
 * (https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html).
 */
export interface EventSourceRunnerOptions {
  client: KinesisClient;
  streamName: string;
  handler: KinesisBatchHandler;
  /** Records per invocation, 1 to 10,000; default 100. */
  batchSize?: number;
  /** How long to gather records before invoking, 0 to 300,000 ms; default 0 (invoke with what one read returns). */
  batchingWindowMs?: number;
  /**
   * MaximumRetryAttempts: retries of a batch the function failed before its failing records go to the dead letter,
   * 0 to 10,000; default -1, as in Lambda: retried until the records expire (maxRecordAgeSeconds, else retention).
   */
  maxRetryAttempts?: number;
  /**
   * MaximumRecordAgeInSeconds: records older than this (by ApproximateArrivalTimestamp) go to the dead letter
   * unseen by the function, whether read late or retried too long; -1 or 60 to 604,800; default -1 (no limit).
   */
  maxRecordAgeSeconds?: number;
  /** BisectBatchOnFunctionError: a batch the function failed is split in two and each half retried; default false. */
  bisectBatchOnFunctionError?: boolean;
  /**
   * ReportBatchItemFailures (FunctionResponseTypes): the handler's batchItemFailures are honoured; default false,
   * as in Lambda, which then counts any answer that is not an error as a complete success.
   */
  reportBatchItemFailures?: boolean;
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
  /**
   * Not Lambda's: how long the Kinesis endpoint may stay unreachable (connections refused or reset) before the
   * runner stops with RUNNER_ENGINE_UNREACHABLE; default undefined: calls are retried until stop(), the outage
   * showing in stats() and in notices meanwhile.
   */
  enginePatienceMs?: number;
  onBatch?: (stats: BatchStats) => void;
  /** Called once when a shard loop fails for good (e.g. the stream was deleted); all loops then stop. */
  onError?: (err: unknown) => void;
  /** Called when something happens that a person watching should know: the engine unreachable or back, a recreated stream. */
  onNotice?: (notice: RunnerNotice) => void;
  random?: () => number;
  /** The clock that record ages are measured with; default Date.now. */
  now?: () => number;
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
      | 'maxRecordAgeSeconds'
      | 'bisectBatchOnFunctionError'
      | 'reportBatchItemFailures'
      | 'pollIntervalMs'
      | 'retryDelayMs'
      | 'maxRetryDelayMs'
      | 'random'
      | 'now'
    >
  >;

/**
 * Lambda's event source mapping limits (CreateEventSourceMapping: BatchSize, MaximumBatchingWindowInSeconds,
 * MaximumRetryAttempts, MaximumRecordAgeInSeconds, whose values from 0 to 59 Lambda refuses).
 */
export const RUNNER_LIMITS = {
  maxBatchSize: 10_000,
  maxBatchingWindowMs: 300_000,
  maxRetryAttempts: 10_000,
  minRecordAgeSeconds: 60,
  maxRecordAgeSeconds: 604_800,
  maxPollIntervalMs: 3_600_000,
} as const;

/** Fills in the defaults and checks every option against its limits; throws one error naming every bad option. */
export function resolveRunnerOptions(opts: EventSourceRunnerOptions): ResolvedRunnerOptions {
  const resolved: ResolvedRunnerOptions = {
    ...opts,
    batchSize: opts.batchSize ?? 100,
    batchingWindowMs: opts.batchingWindowMs ?? 0,
    maxRetryAttempts: opts.maxRetryAttempts ?? -1,
    maxRecordAgeSeconds: opts.maxRecordAgeSeconds ?? -1,
    bisectBatchOnFunctionError: opts.bisectBatchOnFunctionError ?? false,
    reportBatchItemFailures: opts.reportBatchItemFailures ?? false,
    pollIntervalMs: opts.pollIntervalMs ?? 1_000,
    retryDelayMs: opts.retryDelayMs ?? 200,
    maxRetryDelayMs: opts.maxRetryDelayMs ?? 10_000,
    random: opts.random ?? Math.random,
    now: opts.now ?? Date.now,
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
  const age = opts.maxRecordAgeSeconds;
  if (
    age !== -1 &&
    !(
      Number.isInteger(age) &&
      age >= RUNNER_LIMITS.minRecordAgeSeconds &&
      age <= RUNNER_LIMITS.maxRecordAgeSeconds
    )
  ) {
    problems.push(
      `maxRecordAgeSeconds must be -1 or an integer from ${RUNNER_LIMITS.minRecordAgeSeconds} to ${RUNNER_LIMITS.maxRecordAgeSeconds}, got ${age}`,
    );
  }
  intIn('pollIntervalMs', opts.pollIntervalMs, 0, RUNNER_LIMITS.maxPollIntervalMs);
  const patience = opts.enginePatienceMs;
  if (patience !== undefined && !(patience >= 0)) {
    problems.push(`enginePatienceMs must be a number >= 0, got ${patience}`);
  }
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
