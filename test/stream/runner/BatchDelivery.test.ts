import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { BatchDelivery } from '../../../stream/runner/BatchDelivery.js';
import { RunnerProgress } from '../../../stream/runner/RunnerProgress.js';
import type { RetryState } from '../../../stream/runner/retryPolicy.js';
import { ShardCheckpoints } from '../../../stream/runner/ShardCheckpoints.js';
import type { BatchStats, DeadLetterEntry, KinesisBatchHandler } from '../../../stream/runner/types.js';
import { record } from './fakeKinesis.js';

const context = {
  shardId: 'shard-0',
  streamArn: 'arn:aws:kinesis:eu-west-1:123456789012:stream/readings',
  awsRegion: 'eu-west-1',
  invokeIdentityArn: 'arn:aws:iam::123456789012:role/runner',
};
const batch = ['10', '20', '30', '40'].map((s) => record(s));
const fail = (...seqs: string[]): KinesisStreamBatchResponse => ({
  batchItemFailures: seqs.map((itemIdentifier) => ({ itemIdentifier })),
});

/** A BatchDelivery over fakes that log, in one list, every checkpoint save and dead-letter put in order. */
function setup(
  handler: KinesisBatchHandler,
  maxRetryAttempts = 3,
  failing: { save?: boolean; put?: boolean } = {},
  rules: { bisect?: boolean; maxRecordAgeSeconds?: number; now?: number } = {},
) {
  const log: string[] = [];
  const dead: DeadLetterEntry[] = [];
  const reports: BatchStats[] = [];
  const events: KinesisStreamEvent[] = [];
  const progress = new RunnerProgress();
  const shard = progress.addShard('shard-0');
  const delivery = new BatchDelivery({
    handler: async (event) => {
      events.push(event);
      return handler(event);
    },
    streamName: 'readings',
    policy: {
      maxRetryAttempts,
      bisectBatchOnFunctionError: rules.bisect ?? false,
      maxRecordAgeSeconds: rules.maxRecordAgeSeconds ?? -1,
      reportBatchItemFailures: true,
    },
    checkpoints: new ShardCheckpoints(
      {
        load: async () => ({ shards: {} }),
        save: async (stream, shardId, seq) => {
          if (failing.save) throw new Error('disk full');
          log.push(`save ${stream.streamName}/${shardId} ${seq}`);
        },
      },
      { streamName: 'readings', streamArn: context.streamArn, createdAt: '2026-01-01T00:00:00.000Z' },
      {},
    ),
    now: () => rules.now ?? Date.now(),
    deadLetter: {
      put: async (entries) => {
        if (failing.put) throw new Error('dead letter unwritable');
        log.push(`dead ${entries.map((e) => e.sequenceNumber).join(',')}`);
        dead.push(...entries);
      },
    },
    progress,
    onBatch: (stats) => reports.push(stats),
  });
  const deliver = (previous?: RetryState) => delivery.deliver(shard, context, batch, previous);
  return { deliver, log, dead, reports, events, progress, shard };
}

describe('BatchDelivery', () => {
  it('hands the batch to the handler as one Lambda event, in order', async () => {
    const { deliver, events } = setup(async () => undefined);
    await deliver();
    expect(events).toHaveLength(1);
    expect(events[0]?.Records.map((r) => [r.eventID, r.eventSourceARN, r.awsRegion])).toEqual(
      ['10', '20', '30', '40'].map((s) => [`shard-0:${s}`, context.streamArn, 'eu-west-1']),
    );
  });

  it('checkpoints a successful batch at its last record', async () => {
    const { deliver, log, reports, progress, shard } = setup(async () => ({ batchItemFailures: [] }));
    expect(await deliver()).toBeUndefined();
    expect(log).toEqual(['save readings/shard-0 40']);
    expect(shard.checkpoint).toBe('40');
    expect(progress.snapshot()).toMatchObject({ delivered: 4, batches: 1, succeeded: 4, retriedBatches: 0 });
    expect(reports).toEqual([
      expect.objectContaining({
        shardId: 'shard-0',
        records: 4,
        firstSequenceNumber: '10',
        lastSequenceNumber: '40',
        outcome: 'succeeded',
        succeeded: 4,
        deadLettered: 0,
        attempt: 1,
      }),
    ]);
  });

  it('on a partial failure, checkpoints before the lowest failure and asks to redeliver from it', async () => {
    const { deliver, log, reports, progress } = setup(async () => fail('40', '30'));
    expect(await deliver()).toEqual({
      retry: { sequenceNumber: '30', attempts: 1 },
      batches: undefined,
      backoff: true,
    });
    expect(log).toEqual(['save readings/shard-0 20']);
    expect(progress.snapshot()).toMatchObject({
      delivered: 4,
      succeeded: 2,
      retriedBatches: 1,
      deadLettered: 0,
    });
    expect(reports[0]).toMatchObject({ outcome: 'retrying', succeeded: 2, deadLettered: 0, attempt: 1 });
  });

  it('on a failure of the first record, checkpoints nothing', async () => {
    const { deliver, log } = setup(async () => fail('10'));
    expect(await deliver()).toMatchObject({
      retry: { sequenceNumber: '10', attempts: 1 },
      batches: undefined,
    });
    expect(log).toEqual([]);
  });

  it('redelivers a batch whose handler threw, counting the attempt', async () => {
    const { deliver, log, reports } = setup(async () => {
      throw new Error('boom');
    });
    expect(await deliver({ sequenceNumber: '10', attempts: 1 })).toMatchObject({
      retry: { sequenceNumber: '10', attempts: 2 },
    });
    expect(log).toEqual([]);
    expect(reports[0]).toMatchObject({ outcome: 'retrying', attempt: 2 });
  });

  it('past maxRetryAttempts, dead-letters from the failed record, and checkpoints past it only after', async () => {
    const { deliver, log, dead, reports, progress } = setup(async () => fail('30'));
    expect(await deliver({ sequenceNumber: '30', attempts: 3 })).toBeUndefined();
    expect(log).toEqual(['save readings/shard-0 20', 'dead 30,40', 'save readings/shard-0 40']);
    expect(
      dead.map((d) => [d.streamName, d.shardId, d.sequenceNumber, d.condition, d.reason, d.attempts]),
    ).toEqual([
      ['readings', 'shard-0', '30', 'RetryAttemptsExhausted', 'batch item failure after 4 attempts', 4],
      ['readings', 'shard-0', '40', 'RetryAttemptsExhausted', 'batch item failure after 4 attempts', 4],
    ]);
    expect(progress.snapshot()).toMatchObject({ succeeded: 2, deadLettered: 2, retriedBatches: 0 });
    expect(reports[0]).toMatchObject({ outcome: 'deadLettered', succeeded: 2, deadLettered: 2, attempt: 4 });
  });

  it("dead-letters a whole batch with the handler's error message", async () => {
    const { deliver, log, dead } = setup(async () => {
      throw new Error('decoder exploded');
    }, 0);
    expect(await deliver()).toBeUndefined();
    expect(log).toEqual(['dead 10,20,30,40', 'save readings/shard-0 40']);
    expect(new Set(dead.map((d) => `${d.reason}/${d.attempts}`))).toEqual(new Set(['decoder exploded/1']));
  });

  it('does not move the checkpoint past records the dead letter did not take', async () => {
    const { deliver, log, shard, progress } = setup(async () => fail('10'), 0, { put: true });
    await expect(deliver()).rejects.toThrow('dead letter unwritable');
    expect(log).toEqual([]);
    expect(shard.checkpoint).toBeUndefined();
    expect(progress.snapshot()).toMatchObject({ delivered: 4, succeeded: 0, deadLettered: 0 });
  });

  it('fails when a checkpoint cannot be saved, counting nothing as handled', async () => {
    const { deliver, progress, shard } = setup(async () => undefined, 3, { save: true });
    await expect(deliver()).rejects.toThrow('disk full');
    expect(shard.checkpoint).toBeUndefined();
    expect(progress.snapshot()).toMatchObject({ delivered: 4, succeeded: 0 });
  });

  it('under bisection, splits a batch the function failed into two halves to deliver at once, checkpointing nothing', async () => {
    const { deliver, log, reports, progress } = setup(
      async () => {
        throw new Error('boom');
      },
      0,
      {},
      { bisect: true },
    );
    const next = await deliver();
    expect(next?.batches?.map((b) => b.map((r) => r.SequenceNumber))).toEqual([
      ['10', '20'],
      ['30', '40'],
    ]);
    expect(next).toMatchObject({ retry: { sequenceNumber: '10', attempts: 0 }, backoff: false });
    expect(log).toEqual([]);
    expect(reports[0]).toMatchObject({ outcome: 'retrying', succeeded: 0, deadLettered: 0, attempt: 1 });
    expect(progress.snapshot()).toMatchObject({ delivered: 4, retriedBatches: 1, deadLettered: 0 });
  });

  it('dead-letters records past the maximum age before invoking the rest, and checkpoints past them once they are kept', async () => {
    // record() arrives at 1,700,000,000,000; at +61 s every record of the batch is too old.
    const { deliver, log, dead, events, reports } = setup(
      async () => undefined,
      3,
      {},
      {
        maxRecordAgeSeconds: 60,
        now: 1_700_000_061_000,
      },
    );
    expect(await deliver()).toBeUndefined();
    expect(events).toEqual([]);
    expect(log).toEqual(['dead 10,20,30,40', 'save readings/shard-0 40']);
    expect(new Set(dead.map((d) => `${d.condition}: ${d.reason}`))).toEqual(
      new Set(['RecordAgeExceeded: record older than MaximumRecordAgeInSeconds (60 s)']),
    );
    expect(reports[0]).toMatchObject({
      outcome: 'deadLettered',
      succeeded: 0,
      deadLettered: 4,
      handlerMs: 0,
    });
  });

  it('delivers records exactly at the maximum age', async () => {
    const { deliver, events } = setup(
      async () => undefined,
      3,
      {},
      {
        maxRecordAgeSeconds: 60,
        now: 1_700_000_060_000,
      },
    );
    expect(await deliver()).toBeUndefined();
    expect(events).toHaveLength(1);
  });
});
