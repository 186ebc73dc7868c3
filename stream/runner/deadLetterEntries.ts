import type { _Record } from '@aws-sdk/client-kinesis';
import type { DeadLetterCondition, DeadLetterEntry } from './types.js';

/** Why and where records were given up on; the same for every record of one batch. */
export interface DeadLetterContext {
  streamName: string;
  shardId: string;
  condition: DeadLetterCondition;
  reason: string;
  attempts: number;
  /** ISO-8601 time of the decision. */
  time: string;
}

/** The dead-letter entries for records the runner gives up on, each with its raw bytes as read. */
export function deadLetterEntries(records: readonly _Record[], ctx: DeadLetterContext): DeadLetterEntry[] {
  return records.map((r) => ({
    streamName: ctx.streamName,
    shardId: ctx.shardId,
    sequenceNumber: r.SequenceNumber ?? '',
    partitionKey: r.PartitionKey ?? '',
    data: r.Data ?? new Uint8Array(),
    condition: ctx.condition,
    reason: ctx.reason,
    attempts: ctx.attempts,
    time: ctx.time,
  }));
}
