import type { _Record } from '@aws-sdk/client-kinesis';
import type { KinesisStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { FailureRecord } from '../../../app/replay/failureRecords.js';
import type { RangeRead, ShardRange } from '../../../app/replay/readShardRange.js';
import { type ReplayHandler, remainingFailures, replayFailures } from '../../../app/replay/replayFailures.js';

const ARN = 'arn:aws:kinesis:eu-west-1:123456789012:stream/pfm-readings';

function failure(shardId: string, start: number, end: number, batchSize = end - start + 1): FailureRecord {
  return {
    requestContext: { condition: 'RetryAttemptsExhausted' },
    version: '1.0',
    timestamp: '2026-01-01T00:00:00.000Z',
    KinesisBatchInfo: {
      shardId,
      startSequenceNumber: String(start),
      endSequenceNumber: String(end),
      approximateArrivalOfFirstRecord: '2026-01-01T00:00:00.000Z',
      approximateArrivalOfLastRecord: '2026-01-01T00:00:00.000Z',
      batchSize,
      streamArn: ARN,
    },
  };
}

/** A stream whose shards hold records with the given sequence numbers (what retention has not trimmed). */
function fakeStream(shards: Record<string, number[]>) {
  const reads: ShardRange[] = [];
  const read = async (range: ShardRange): Promise<RangeRead> => {
    reads.push(range);
    const sequences = shards[range.shardId];
    if (sequences === undefined)
      return { records: [], unreadable: 'ResourceNotFoundException: no such shard' };
    const records: _Record[] = sequences
      .filter((s) => s >= Number(range.startSequenceNumber) && s <= Number(range.endSequenceNumber))
      .map((s) => ({ SequenceNumber: String(s), PartitionKey: `M-${s}`, Data: new Uint8Array([s % 256]) }));
    return { records };
  };
  return { read, reads };
}

/** Accepts every record and remembers each sequence number it was given, once per delivery. */
function recordingHandler(failFrom?: (event: KinesisStreamEvent) => string | undefined) {
  const delivered: string[] = [];
  const handler: ReplayHandler = async (event) => {
    const failed = failFrom?.(event);
    const sequences = event.Records.map((r) => r.kinesis.sequenceNumber);
    const cut = failed === undefined ? sequences.length : sequences.indexOf(failed);
    delivered.push(...sequences.slice(0, cut));
    return { batchItemFailures: sequences.slice(cut).map((itemIdentifier) => ({ itemIdentifier })) };
  };
  return { handler, delivered };
}

describe('replayFailures', () => {
  it('re-reads each range and runs every record through the handler once, in batches, as Lambda events', async () => {
    const stream = fakeStream({
      'shardId-000000000000': [1, 2, 3, 4, 5, 6, 7],
      'shardId-000000000001': [10, 11],
    });
    const events: KinesisStreamEvent[] = [];
    const { handler, delivered } = recordingHandler((event) => {
      events.push(event);
      return undefined;
    });
    const report = await replayFailures(
      [failure('shardId-000000000000', 2, 6), failure('shardId-000000000001', 10, 11)],
      {
        read: stream.read,
        handler,
        batchSize: 2,
      },
    );
    expect(report).toMatchObject({ expected: 7, replayed: 7, missing: 0, failed: 0 });
    expect(delivered).toEqual(['2', '3', '4', '5', '6', '10', '11']);
    expect(events.map((e) => e.Records.length)).toEqual([2, 2, 1, 2]);
    expect(events[0]?.Records[0]).toMatchObject({
      eventSource: 'aws:kinesis',
      eventSourceARN: ARN,
      eventID: 'shardId-000000000000:2',
      awsRegion: 'eu-west-1',
      kinesis: { partitionKey: 'M-2', sequenceNumber: '2' },
    });
    expect(stream.reads[0]).toEqual({
      streamName: 'pfm-readings',
      shardId: 'shardId-000000000000',
      startSequenceNumber: '2',
      endSequenceNumber: '6',
      expected: 5,
    });
  });

  it('reports records trimmed from the stream as missing, and an unreadable shard with its reason', async () => {
    // Records 1-3 are past the retention: the shard starts at 4.
    const stream = fakeStream({ 'shardId-000000000000': [4, 5, 6] });
    const { handler, delivered } = recordingHandler();
    const report = await replayFailures(
      [failure('shardId-000000000000', 1, 6), failure('shardId-000000000009', 1, 2)],
      {
        read: stream.read,
        handler,
        batchSize: 100,
      },
    );
    expect(report).toMatchObject({ expected: 8, replayed: 3, missing: 5, failed: 0 });
    expect(report.replayed + report.missing + report.failed).toBe(report.expected);
    expect(delivered).toEqual(['4', '5', '6']);
    expect(report.ranges[1]?.unreadable).toMatch(/ResourceNotFoundException/);
    // Trimmed records are gone for good; an unreadable range is kept to try again.
    expect(remainingFailures(report).map((r) => r.KinesisBatchInfo.shardId)).toEqual([
      'shardId-000000000009',
    ]);
  });

  it('stops a range at the first record the handler fails, keeping the rest for another replay', async () => {
    const stream = fakeStream({ 'shardId-000000000000': [1, 2, 3, 4, 5, 6] });
    const { handler, delivered } = recordingHandler((event) =>
      event.Records.some((r) => r.kinesis.sequenceNumber === '4') ? '4' : undefined,
    );
    const report = await replayFailures([failure('shardId-000000000000', 1, 6)], {
      read: stream.read,
      handler,
      batchSize: 3,
    });
    expect(report).toMatchObject({ expected: 6, replayed: 3, missing: 0, failed: 3 });
    expect(delivered).toEqual(['1', '2', '3']);
    const [rest] = remainingFailures(report, () => new Date('2026-02-01T00:00:00Z'));
    expect(rest?.KinesisBatchInfo).toMatchObject({
      startSequenceNumber: '4',
      endSequenceNumber: '6',
      batchSize: 3,
    });
    expect(rest?.timestamp).toBe('2026-02-01T00:00:00.000Z');
  });

  it('counts a batch the handler throws on as failed, with the error as the reason', async () => {
    const stream = fakeStream({ 'shardId-000000000000': [1, 2, 3] });
    let calls = 0;
    const handler: ReplayHandler = async () => {
      calls++;
      if (calls === 2) throw new Error('store unreachable');
      return { batchItemFailures: [] };
    };
    const report = await replayFailures([failure('shardId-000000000000', 1, 3)], {
      read: stream.read,
      handler,
      batchSize: 2,
    });
    expect(report).toMatchObject({ expected: 3, replayed: 2, failed: 1 });
    expect(report.ranges[0]?.failedReason).toBe('store unreachable');
    expect(calls).toBe(2);
  });

  it('reports progress once per range', async () => {
    const stream = fakeStream({ 'shardId-000000000000': [1, 2] });
    const seen: string[] = [];
    await replayFailures([failure('shardId-000000000000', 1, 1), failure('shardId-000000000000', 2, 2)], {
      read: stream.read,
      handler: recordingHandler().handler,
      batchSize: 10,
      onRange: (r, done, total) => seen.push(`${done}/${total}:${r.replayed}`),
    });
    expect(seen).toEqual(['1/2:1', '2/2:1']);
  });
});
