import { describe, expect, it } from 'vitest';
import type { KinesisCallRetry } from '../../../stream/runner/kinesisCallRetry.js';
import { describeStream, listShardLineage, waitForParents } from '../../../stream/runner/shardDiscovery.js';
import { FakeKinesis, kinesisError, settle } from './fakeKinesis.js';

const retry: KinesisCallRetry = { signal: new AbortController().signal, maxDelayMs: 1_000, random: () => 0 };

describe('describeStream', () => {
  it("gives the stream's identity: name, ARN and creation time", async () => {
    const kinesis = new FakeKinesis([], {
      streamArn: 'arn:aws:kinesis:eu-west-1:123456789012:stream/readings',
      createdAt: new Date('2026-03-04T05:06:07.000Z'),
    });
    expect(await describeStream(kinesis.client, 'readings', retry)).toEqual({
      streamName: 'readings',
      streamArn: 'arn:aws:kinesis:eu-west-1:123456789012:stream/readings',
      createdAt: '2026-03-04T05:06:07.000Z',
    });
    expect(kinesis.inputs('DescribeStreamSummary')).toEqual([{ StreamName: 'readings' }]);
  });

  it('retries a throttled describe', async () => {
    const kinesis = new FakeKinesis([]);
    let throttled = 0;
    kinesis.interfere = (c) => {
      if (c.name === 'DescribeStreamSummary' && throttled++ < 2) throw kinesisError('LimitExceededException');
    };
    expect((await describeStream(kinesis.client, 'readings', retry)).streamArn).toMatch(/^arn:aws:kinesis:/);
    expect(kinesis.inputs('DescribeStreamSummary')).toHaveLength(3);
  });

  it('throws when the stream does not exist', async () => {
    const kinesis = new FakeKinesis([]);
    kinesis.interfere = () => {
      throw kinesisError('ResourceNotFoundException');
    };
    await expect(describeStream(kinesis.client, 'gone', retry)).rejects.toThrow('ResourceNotFoundException');
  });
});

describe('listShardLineage', () => {
  const resharded = [
    { shardId: 'shard-0', records: [], closed: true },
    { shardId: 'shard-1', records: [], closed: true },
    { shardId: 'shard-2', parentIds: ['shard-0'], records: [] },
    { shardId: 'shard-3', parentIds: ['shard-0'], records: [] },
    { shardId: 'shard-4', parentIds: ['shard-1', 'shard-3'], records: [] },
  ];

  it('lists every page, naming only the token after the first, with each shard and its parents', async () => {
    const kinesis = new FakeKinesis(resharded, { pageSize: 2 });
    expect(await listShardLineage(kinesis.client, 'readings', retry)).toEqual([
      { shardId: 'shard-0', parentIds: [] },
      { shardId: 'shard-1', parentIds: [] },
      { shardId: 'shard-2', parentIds: ['shard-0'] },
      { shardId: 'shard-3', parentIds: ['shard-0'] },
      { shardId: 'shard-4', parentIds: ['shard-1', 'shard-3'] },
    ]);
    expect(kinesis.inputs('ListShards')).toEqual([
      { StreamName: 'readings' },
      { NextToken: 'page-1' },
      { NextToken: 'page-2' },
    ]);
  });

  it('retries a throttled page without losing the pages before it', async () => {
    const kinesis = new FakeKinesis(resharded, { pageSize: 2 });
    let throttled = false;
    kinesis.interfere = (c) => {
      if (c.name === 'ListShards' && c.input.NextToken === 'page-1' && !throttled) {
        throttled = true;
        throw kinesisError('LimitExceededException');
      }
    };
    const shards = await listShardLineage(kinesis.client, 'readings', retry);
    expect(shards.map((s) => s.shardId)).toEqual(['shard-0', 'shard-1', 'shard-2', 'shard-3', 'shard-4']);
    expect(kinesis.inputs('ListShards')).toEqual([
      { StreamName: 'readings' },
      { NextToken: 'page-1' },
      { NextToken: 'page-1' },
      { NextToken: 'page-2' },
    ]);
  });
});

describe('waitForParents', () => {
  /** A promise with its resolve. */
  function deferred(): { promise: Promise<void>; resolve: () => void } {
    let resolve = (): void => undefined;
    const promise = new Promise<void>((r) => {
      resolve = r;
    });
    return { promise, resolve };
  }

  it('waits for every parent loop, even one registered later in the same turn', async () => {
    const loops = new Map<string, Promise<unknown>>();
    const first = deferred();
    const second = deferred();
    let ready = false;
    // The child's wait starts before its parents' loops are in the map, as the runner starts loops in order.
    void waitForParents({ shardId: 'child', parentIds: ['a', 'b'] }, loops).then(() => {
      ready = true;
    });
    loops.set('a', first.promise);
    loops.set('b', second.promise);
    await settle();
    expect(ready).toBe(false);
    first.resolve();
    await settle();
    expect(ready).toBe(false);
    second.resolve();
    await settle();
    expect(ready).toBe(true);
  });

  it('does not wait for a shard without parents, nor for a parent no longer listed (trimmed)', async () => {
    const loops = new Map<string, Promise<unknown>>([['other', new Promise(() => undefined)]]);
    let ready = 0;
    void waitForParents({ shardId: 'root', parentIds: [] }, loops).then(() => ready++);
    void waitForParents({ shardId: 'orphan', parentIds: ['expired'] }, loops).then(() => ready++);
    await settle();
    expect(ready).toBe(2);
  });
});
