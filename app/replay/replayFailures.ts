import type { _Record } from '@aws-sdk/client-kinesis';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { errorMessage } from '../../kernel/awsErrors.js';
import { streamEventContext, toKinesisStreamRecord } from '../../stream/runner/kinesisEvent.js';
import { type FailureRecord, streamNameOf } from './failureRecords.js';
import type { RangeRead, ShardRange } from './readShardRange.js';

/** The handler a replay runs the records through: the same one the event source invokes. */
export type ReplayHandler = (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse>;

/** What became of one on-failure record's range. */
export interface RangeResult {
  failure: FailureRecord;
  /** Records the range held (KinesisBatchInfo.batchSize). */
  expected: number;
  /** Found on the stream and accepted by the handler (scored or quarantined). */
  replayed: number;
  /** Not on the stream any more: trimmed by its retention, or the stream or shard is gone. */
  missing: number;
  /** Found, but the handler still failed them (left for another replay). */
  failed: number;
  /** Why nothing of the range could be read, when that is the case. */
  unreadable?: string;
  /** The handler's reason for the records it failed. */
  failedReason?: string;
  /** The records the handler failed, in shard order, so a later replay can try them again. */
  failedRecords: _Record[];
}

/** The whole replay's result, the counts adding up: expected = replayed + missing + failed. */
export interface ReplayReport {
  ranges: RangeResult[];
  expected: number;
  replayed: number;
  missing: number;
  failed: number;
}

export interface ReplayDeps {
  /** Re-reads a range from the stream. */
  read: (range: ShardRange) => Promise<RangeRead>;
  handler: ReplayHandler;
  /** Records per handler invocation. */
  batchSize: number;
  /** Called after each range. */
  onRange?: (result: RangeResult, done: number, total: number) => void;
}

/**
 * Re-drives each on-failure record: re-reads its range from the stream and runs the records through the handler
 * in shard order, batchSize at a time, as the event source would. A batch the handler fails (wholly or from a
 * record on) stops that range: the rest is counted failed and kept for another replay, never reported replayed.
 */
export async function replayFailures(
  failures: readonly FailureRecord[],
  deps: ReplayDeps,
): Promise<ReplayReport> {
  const ranges: RangeResult[] = [];
  for (const failure of failures) {
    const result = await replayOne(failure, deps);
    ranges.push(result);
    deps.onRange?.(result, ranges.length, failures.length);
  }
  const sum = (pick: (r: RangeResult) => number) => ranges.reduce((n, r) => n + pick(r), 0);
  return {
    ranges,
    expected: sum((r) => r.expected),
    replayed: sum((r) => r.replayed),
    missing: sum((r) => r.missing),
    failed: sum((r) => r.failed),
  };
}

async function replayOne(failure: FailureRecord, deps: ReplayDeps): Promise<RangeResult> {
  const info = failure.KinesisBatchInfo;
  const expected = info.batchSize;
  const read = await deps.read({
    streamName: streamNameOf(info.streamArn),
    shardId: info.shardId,
    startSequenceNumber: info.startSequenceNumber,
    endSequenceNumber: info.endSequenceNumber,
    expected,
  });
  const base = { failure, expected, failedRecords: [] as _Record[] };
  if ('unreadable' in read)
    return { ...base, replayed: 0, missing: expected, failed: 0, unreadable: read.unreadable };
  // More than expected cannot happen for a batch's own range; counted as found so the sums stay honest.
  const records = read.records;
  const missing = Math.max(0, expected - records.length);
  const context = { ...streamEventContext(info.streamArn), shardId: info.shardId };
  let replayed = 0;
  for (let start = 0; start < records.length; start += deps.batchSize) {
    const chunk = records.slice(start, start + deps.batchSize);
    const event: KinesisStreamEvent = { Records: chunk.map((r) => toKinesisStreamRecord(r, context)) };
    let firstFailed: number;
    let reason: string;
    try {
      const response = await deps.handler(event);
      const failedIds = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
      firstFailed = chunk.findIndex((r) => failedIds.has(r.SequenceNumber ?? ''));
      reason = 'the handler reported the batch as failed (batchItemFailures)';
    } catch (err) {
      firstFailed = 0;
      reason = errorMessage(err);
    }
    if (firstFailed < 0) {
      replayed += chunk.length;
      continue;
    }
    replayed += firstFailed;
    const failedRecords = records.slice(start + firstFailed);
    return { ...base, replayed, missing, failed: failedRecords.length, failedReason: reason, failedRecords };
  }
  return { ...base, replayed, missing, failed: 0 };
}

/**
 * On-failure records for what a replay left failing, in the same shape, so the next `pfm replay --failures`
 * picks up exactly those records (missing records are gone from the stream and are not carried over).
 */
export function remainingFailures(report: ReplayReport, now: () => Date = () => new Date()): FailureRecord[] {
  const remaining: FailureRecord[] = [];
  for (const range of report.ranges) {
    if (range.unreadable !== undefined) {
      remaining.push(range.failure);
      continue;
    }
    const first = range.failedRecords[0];
    const last = range.failedRecords.at(-1);
    if (first === undefined || last === undefined) continue;
    const time = now().toISOString();
    remaining.push({
      requestContext: { condition: 'ReplayFailed' },
      version: range.failure.version,
      timestamp: time,
      KinesisBatchInfo: {
        ...range.failure.KinesisBatchInfo,
        startSequenceNumber: first.SequenceNumber ?? '',
        endSequenceNumber: last.SequenceNumber ?? '',
        approximateArrivalOfFirstRecord: first.ApproximateArrivalTimestamp?.toISOString() ?? time,
        approximateArrivalOfLastRecord: last.ApproximateArrivalTimestamp?.toISOString() ?? time,
        batchSize: range.failedRecords.length,
      },
    });
  }
  return remaining;
}
