import type { _Record } from '@aws-sdk/client-kinesis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RunnerProgress } from '../../../stream/runner/RunnerProgress.js';
import {
  type IteratorPosition,
  ShardReader,
  type ShardReaderOptions,
} from '../../../stream/runner/ShardReader.js';
import { FakeKinesis, type FakeShard, kinesisError, record } from './fakeKinesis.js';

afterEach(() => {
  vi.useRealTimers();
});

const records = (...seqs: string[]): _Record[] => seqs.map((s) => record(s));
const seqsOf = (batch: _Record[] | undefined): string[] | undefined =>
  batch?.map((r) => r.SequenceNumber ?? '');

function setup(shard: Omit<FakeShard, 'shardId'>, opts: Partial<ShardReaderOptions> = {}) {
  const kinesis = new FakeKinesis([{ shardId: 'shard-0', ...shard }]);
  const progress = new RunnerProgress().addShard('shard-0');
  const stop = new AbortController();
  let activity = 0;
  const reader = new ShardReader({
    client: kinesis.client,
    streamName: 'readings',
    shard: progress,
    batchSize: 100,
    batchingWindowMs: 0,
    pollIntervalMs: 0,
    retry: { signal: stop.signal, maxDelayMs: 1_000, random: () => 0 },
    onRecords: () => activity++,
    ...opts,
  });
  return { kinesis, fake: kinesis.shards[0] as FakeShard, progress, stop, reader, activity: () => activity };
}

describe('ShardReader', () => {
  it('refuses to read before it was told where to start', async () => {
    const { reader } = setup({ records: records('1') });
    await expect(reader.readBatch()).rejects.toThrow(/seek first/);
  });

  it.each<{ position: IteratorPosition; iterator: Record<string, unknown>; expected: string[] }>([
    {
      position: { type: 'TRIM_HORIZON' },
      iterator: { ShardIteratorType: 'TRIM_HORIZON' },
      expected: ['1', '2', '3'],
    },
    { position: { type: 'LATEST' }, iterator: { ShardIteratorType: 'LATEST' }, expected: [] },
    {
      position: { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: '1' },
      iterator: { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: '1' },
      expected: ['2', '3'],
    },
    {
      position: { type: 'AT_SEQUENCE_NUMBER', sequenceNumber: '2' },
      iterator: { ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: '2' },
      expected: ['2', '3'],
    },
  ])('starts at $position.type', async ({ position, iterator, expected }) => {
    const { kinesis, reader } = setup({ records: records('1', '2', '3') });
    await reader.seek(position);
    expect(seqsOf(await reader.readBatch())).toEqual(expected);
    expect(kinesis.inputs('GetShardIterator')).toEqual([
      { StreamName: 'readings', ShardId: 'shard-0', ...iterator },
    ]);
  });

  it('without a batching window, returns what one read of at most batchSize gives, and reports the poll', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_000);
    const { kinesis, progress, reader, activity } = setup(
      { records: records('1', '2', '3', '4', '5') },
      { batchSize: 2 },
    );
    await reader.seek({ type: 'TRIM_HORIZON' });
    expect(seqsOf(await reader.readBatch())).toEqual(['1', '2']);
    expect(kinesis.inputs('GetRecords')).toEqual([{ ShardIterator: 'shard-0@0', Limit: 2 }]);
    expect(progress).toMatchObject({
      lastPollAt: 1_000,
      lastPollRecords: 2,
      millisBehindLatest: 1_000,
      busy: true,
    });
    expect(activity()).toBe(1);
    expect(reader.ended).toBe(false);
  });

  it('at the tip of an open shard, returns nothing and stays open', async () => {
    const { progress, reader, activity } = setup({ records: records('1') });
    await reader.seek({ type: 'LATEST' });
    expect(await reader.readBatch()).toEqual([]);
    expect(progress).toMatchObject({ lastPollRecords: 0, millisBehindLatest: 0, busy: false });
    expect(activity()).toBe(0);
    expect(reader.ended).toBe(false);
  });

  it('ends a closed shard once it is read to its end, and reads it no more', async () => {
    const { kinesis, reader } = setup({ records: records('1', '2'), closed: true });
    await reader.seek({ type: 'TRIM_HORIZON' });
    expect(seqsOf(await reader.readBatch())).toEqual(['1', '2']);
    expect(reader.ended).toBe(true);
    expect(await reader.readBatch()).toEqual([]);
    expect(kinesis.inputs('GetRecords')).toHaveLength(1);
  });

  it('renews an expired iterator right after the last record read', async () => {
    const { kinesis, reader } = setup({ records: records('1', '2', '3', '4') }, { batchSize: 2 });
    await reader.seek({ type: 'TRIM_HORIZON' });
    expect(seqsOf(await reader.readBatch())).toEqual(['1', '2']);
    let expired = false;
    kinesis.interfere = (c) => {
      if (c.name === 'GetRecords' && !expired) {
        expired = true;
        throw kinesisError('ExpiredIteratorException');
      }
    };
    expect(seqsOf(await reader.readBatch())).toEqual(['3', '4']);
    expect(kinesis.inputs('GetShardIterator').at(-1)).toMatchObject({
      ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
      StartingSequenceNumber: '2',
    });
  });

  it('renews an iterator that expired before any read where it was told to start', async () => {
    const { kinesis, reader } = setup({ records: records('1', '2') });
    await reader.seek({ type: 'AT_SEQUENCE_NUMBER', sequenceNumber: '2' });
    let expired = false;
    kinesis.interfere = (c) => {
      if (c.name === 'GetRecords' && !expired) {
        expired = true;
        throw kinesisError('ExpiredIteratorException');
      }
    };
    expect(seqsOf(await reader.readBatch())).toEqual(['2']);
    expect(kinesis.inputs('GetShardIterator').map((i) => i.StartingSequenceNumber)).toEqual(['2', '2']);
  });

  it('retries a throttled read with the same iterator', async () => {
    const { kinesis, reader } = setup({ records: records('1', '2') });
    await reader.seek({ type: 'TRIM_HORIZON' });
    let throttled = 0;
    kinesis.interfere = (c) => {
      if (c.name === 'GetRecords' && throttled++ < 2)
        throw kinesisError('ProvisionedThroughputExceededException');
    };
    expect(seqsOf(await reader.readBatch())).toEqual(['1', '2']);
    expect(kinesis.inputs('GetRecords').map((i) => i.ShardIterator)).toEqual([
      'shard-0@0',
      'shard-0@0',
      'shard-0@0',
    ]);
  });

  it('rejects when a read fails for good', async () => {
    const { kinesis, reader } = setup({ records: records('1') });
    await reader.seek({ type: 'TRIM_HORIZON' });
    kinesis.interfere = () => {
      throw kinesisError('AccessDeniedException');
    };
    await expect(reader.readBatch()).rejects.toThrow('AccessDeniedException');
  });

  it('with a batching window, gathers reads until the batch is full', async () => {
    const { kinesis, fake, reader } = setup(
      { records: records('1', '2') },
      { batchSize: 5, batchingWindowMs: 60_000 },
    );
    await reader.seek({ type: 'TRIM_HORIZON' });
    let reads = 0;
    kinesis.interfere = (c) => {
      if (c.name === 'GetRecords' && ++reads === 3) fake.records.push(...records('3', '4', '5', '6'));
    };
    expect(seqsOf(await reader.readBatch())).toEqual(['1', '2', '3', '4', '5']);
    expect(kinesis.inputs('GetRecords').map((i) => i.Limit)).toEqual([5, 3, 3]);
  });

  it('with a batching window, returns a short batch once the window closes', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(0);
    const { kinesis, reader } = setup({ records: records('1') }, { batchSize: 100, batchingWindowMs: 100 });
    await reader.seek({ type: 'TRIM_HORIZON' });
    // Each read takes 60 ms: the window opens at 60 with record 1 and has closed after the read that ends at 180.
    kinesis.interfere = (c) => {
      if (c.name === 'GetRecords') vi.setSystemTime(Date.now() + 60);
    };
    expect(seqsOf(await reader.readBatch())).toEqual(['1']);
    expect(kinesis.inputs('GetRecords')).toHaveLength(3);
  });

  it('abandons a batch when the runner stops while gathering it', async () => {
    const { kinesis, stop, reader } = setup(
      { records: records('1') },
      { batchSize: 10, batchingWindowMs: 60_000 },
    );
    await reader.seek({ type: 'TRIM_HORIZON' });
    let reads = 0;
    kinesis.interfere = (c) => {
      if (c.name === 'GetRecords' && ++reads === 2) stop.abort();
    };
    expect(await reader.readBatch()).toBeUndefined();
    expect(reads).toBe(2);
  });

  it('gives up a throttled read when the runner stops', async () => {
    const { kinesis, stop, reader } = setup({ records: records('1') });
    await reader.seek({ type: 'TRIM_HORIZON' });
    kinesis.interfere = () => {
      stop.abort();
      throw kinesisError('ProvisionedThroughputExceededException');
    };
    expect(await reader.readBatch()).toBeUndefined();
    expect(kinesis.inputs('GetRecords')).toHaveLength(1);
  });
});
