import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';

/** Where a shard is read from when it has no checkpoint yet. */
export const STARTING_POSITIONS = ['TRIM_HORIZON', 'LATEST'] as const;
export type StartingPosition = (typeof STARTING_POSITIONS)[number];

/** A Lambda-style Kinesis handler: the port the runner delivers batches to. */
// biome-ignore lint/suspicious/noConfusingVoidType: the aws-lambda KinesisStreamHandler contract; async handlers that return nothing must fit.
export type KinesisBatchHandler = (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse | void>;

/**
 * Which stream a checkpoint belongs to. A stream deleted and created again keeps its name and ARN but starts
 * its shards and sequence numbers afresh, so the creation time is part of the identity.
 */
export interface StreamIdentity {
  streamName: string;
  streamArn: string;
  /** StreamCreationTimestamp from DescribeStreamSummary, ISO-8601; '' when the service reports none. */
  createdAt: string;
}

/** What a CheckpointStore holds for one stream. */
export interface StoredCheckpoints {
  /** Shard id -> sequence number of the last record handled. */
  shards: Record<string, string>;
  /**
   * Checkpoints kept for an earlier stream with the same ARN (deleted and created again since): not returned
   * in `shards`, and dropped at the first save for this stream.
   */
  replaced?: { createdAt: string; shards: number };
}

/** Keeps, per stream (by identity) and shard, the sequence number of the last record handled. */
export interface CheckpointStore {
  /** Every shard checkpoint of this very stream; none for a stream never checkpointed. */
  load(stream: StreamIdentity): Promise<StoredCheckpoints>;
  /** Records that every record of the shard up to and including `sequenceNumber` is handled. */
  save(stream: StreamIdentity, shardId: string, sequenceNumber: string): Promise<void>;
}

/** Why records were given up on: the conditions Lambda names in its on-failure invocation records. */
export const DEAD_LETTER_CONDITIONS = ['RetryAttemptsExhausted', 'RecordAgeExceeded'] as const;
export type DeadLetterCondition = (typeof DEAD_LETTER_CONDITIONS)[number];

/** A record that gave up retrying, with the raw bytes as read from the stream. */
export interface DeadLetterEntry {
  streamName: string;
  shardId: string;
  sequenceNumber: string;
  partitionKey: string;
  data: Uint8Array;
  /** RetryAttemptsExhausted (the function kept failing) or RecordAgeExceeded (older than MaximumRecordAgeInSeconds). */
  condition: DeadLetterCondition;
  /** The handler's error message, why the batch response failed the record, or how old the record was. */
  reason: string;
  /** Counted deliveries of the batch that started at the lowest failed record (splits by bisection not counted). */
  attempts: number;
  /** ISO-8601 time the record was dead-lettered. */
  time: string;
}

/** Takes records the runner gave up on; the checkpoint moves past them only once `put` resolves. */
export interface DeadLetterSink {
  /** Stores entries durably. */
  put(entries: readonly DeadLetterEntry[]): Promise<void>;
}

/** What happened to one delivered batch. */
export const BATCH_OUTCOMES = ['succeeded', 'retrying', 'deadLettered'] as const;
export type BatchOutcomeKind = (typeof BATCH_OUTCOMES)[number];

/** Reported to `onBatch` after every handler invocation. */
export interface BatchStats {
  shardId: string;
  records: number;
  firstSequenceNumber: string;
  lastSequenceNumber: string;
  outcome: BatchOutcomeKind;
  /** Records of this batch now checkpointed as handled. */
  succeeded: number;
  /** Records of this batch sent to the dead letter. */
  deadLettered: number;
  /** 1 + the retries counted so far for the batch's first record (1 = first delivery; a bisection is not a retry). */
  attempt: number;
  handlerMs: number;
  millisBehindLatest: number | undefined;
}

/** Progress of one shard. */
export interface ShardStats {
  checkpoint: string | undefined;
  millisBehindLatest: number | undefined;
  /** Epoch ms the last answered GetRecords was sent. */
  lastPollAt: number | undefined;
  /** Records the last GetRecords returned. */
  lastPollRecords: number;
  /** The shard was closed by a reshard and read to its end. */
  closed: boolean;
  /** Sequence number of the last record read from the shard, handled or not. */
  lastReadSequenceNumber: string | undefined;
}

/** Whether the Kinesis endpoint answers. */
export interface EngineStats {
  /** Epoch ms of the first failed connection of the outage going on; undefined while calls get answers. */
  unreachableSince: number | undefined;
  /** The last connection error of the outage. */
  lastError: string | undefined;
}

/** Totals since start(). */
export interface RunnerStats {
  /** Records handed to the handler, redeliveries included. */
  delivered: number;
  /** Records checkpointed as handled by the handler. */
  succeeded: number;
  /** Batches that failed (whole or in part) and were delivered again. */
  retriedBatches: number;
  deadLettered: number;
  batches: number;
  shards: Record<string, ShardStats>;
  engine: EngineStats;
}

/** What the runner tells its owner as it happens, for a log line. */
export type RunnerNotice =
  /** A call could not reach the Kinesis endpoint (connection refused or reset): calls are retried meanwhile. */
  | { kind: 'engineUnreachable'; since: number; error: string; patienceMs: number | undefined }
  /** The endpoint answers again after `downMs`. */
  | { kind: 'engineReachable'; downMs: number }
  /** The stream was deleted and created again since the checkpoints were kept: it is read from its start position. */
  | { kind: 'streamRecreated'; streamName: string; createdAt: string; previousCreatedAt: string };
