import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';

/** Where a shard is read from when it has no checkpoint yet. */
export const STARTING_POSITIONS = ['TRIM_HORIZON', 'LATEST'] as const;
export type StartingPosition = (typeof STARTING_POSITIONS)[number];

/** A Lambda-style Kinesis handler: the port the runner delivers batches to. */
// biome-ignore lint/suspicious/noConfusingVoidType: the aws-lambda KinesisStreamHandler contract; async handlers that return nothing must fit.
export type KinesisBatchHandler = (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse | void>;

/** Keeps, per stream and shard, the sequence number of the last record handled. */
export interface CheckpointStore {
  /** The last handled sequence number, or undefined when the shard was never checkpointed. */
  load(streamName: string, shardId: string): Promise<string | undefined>;
  /** Records that every record up to and including `sequenceNumber` is handled. */
  save(streamName: string, shardId: string, sequenceNumber: string): Promise<void>;
}

/** A record that gave up retrying, with the raw bytes as read from the stream. */
export interface DeadLetterEntry {
  streamName: string;
  shardId: string;
  sequenceNumber: string;
  partitionKey: string;
  data: Uint8Array;
  /** The handler's error message, or why the batch response failed the record. */
  reason: string;
  /** Deliveries of the batch that started at the lowest failed record. */
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
  /** Delivery number of the batch's first record (1 = first delivery). */
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
}
