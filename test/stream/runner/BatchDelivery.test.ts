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
    policy: { maxRetryAttempts },
    checkpoints: new ShardCheckpoints(
      {
        load: async () => undefined,
        save: async (stream, shardId, seq) => {
          if (failing.save) throw new Error('disk full');
          log.push(`save ${stream}/${shardId} ${seq}`);
        },
      },
      'readings',
    ),
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
    expect(await deliver()).toEqual({ sequenceNumber: '30', attempts: 1 });
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
    expect(await deliver()).toEqual({ sequenceNumber: '10', attempts: 1 });
    expect(log).toEqual([]);
  });

  it('redelivers a batch whose handler threw, counting the attempt', async () => {
    const { deliver, log, reports } = setup(async () => {
      throw new Error('boom');
    });
    expect(await deliver({ sequenceNumber: '10', attempts: 1 })).toEqual({
      sequenceNumber: '10',
      attempts: 2,
    });
    expect(log).toEqual([]);
    expect(reports[0]).toMatchObject({ outcome: 'retrying', attempt: 2 });
  });

  it('past maxRetryAttempts, dead-letters from the failed record, and checkpoints past it only after', async () => {
    const { deliver, log, dead, reports, progress } = setup(async () => fail('30'));
    expect(await deliver({ sequenceNumber: '30', attempts: 3 })).toBeUndefined();
    expect(log).toEqual(['save readings/shard-0 20', 'dead 30,40', 'save readings/shard-0 40']);
    expect(dead.map((d) => [d.streamName, d.shardId, d.sequenceNumber, d.reason, d.attempts])).toEqual([
      ['readings', 'shard-0', '30', 'batch item failure after 4 attempts', 4],
      ['readings', 'shard-0', '40', 'batch item failure after 4 attempts', 4],
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
});
