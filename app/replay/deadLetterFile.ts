import type { DeadLetterEntry } from '../../stream/runner/types.js';
import type { FailureRecord } from './failureRecords.js';

/**
 * The local runner's dead letters in the on-failure record shape, so `pfm replay` reads both the same way. The
 * runner writes one entry per record it gave up on (stream/runner/FileDeadLetter.ts, raw bytes included); the
 * entries of one give-up (same shard, time and reason) become one record over their sequence range. This is the
 * one place that knows the runner's shape.
 */
export function failureRecordsOf(
  entries: readonly DeadLetterEntry[],
  streamArnOf: (name: string) => string,
): FailureRecord[] {
  const groups = new Map<string, DeadLetterEntry[]>();
  for (const entry of entries) {
    const key = JSON.stringify([entry.streamName, entry.shardId, entry.time, entry.reason, entry.attempts]);
    const group = groups.get(key);
    if (group) group.push(entry);
    else groups.set(key, [entry]);
  }
  return [...groups.values()].map((group) => {
    const sorted = [...group].sort((a, b) => compareSequence(a.sequenceNumber, b.sequenceNumber));
    const first = sorted[0] as DeadLetterEntry;
    const last = sorted.at(-1) as DeadLetterEntry;
    return {
      // The runner gives up when a batch's redeliveries are spent; its reason stays in the dead-letter file.
      requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: first.attempts },
      version: '1.0',
      timestamp: first.time,
      KinesisBatchInfo: {
        shardId: first.shardId,
        startSequenceNumber: first.sequenceNumber,
        endSequenceNumber: last.sequenceNumber,
        // The runner keeps no arrival times; the give-up time stands in for both.
        approximateArrivalOfFirstRecord: first.time,
        approximateArrivalOfLastRecord: last.time,
        batchSize: sorted.length,
        streamArn: streamArnOf(first.streamName),
      },
    };
  });
}

/** Orders Kinesis sequence numbers (decimal strings longer than a double holds). */
export function compareSequence(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
