import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { BatchDelivery } from '../../../stream/runner/BatchDelivery.js';
import { RunnerProgress } from '../../../stream/runner/RunnerProgress.js';
import { ShardCheckpoints } from '../../../stream/runner/ShardCheckpoints.js';
import { ShardPoller } from '../../../stream/runner/ShardPoller.js';
import { ShardReader } from '../../../stream/runner/ShardReader.js';
import type { StartingPosition } from '../../../stream/runner/types.js';
import { FakeKinesis, kinesisError, record, settle } from './fakeKinesis.js';

interface Setup {
  seqs: string[];
  closed?: boolean;
  checkpoint?: string;
  startingPosition?: StartingPosition;
  batchSize?: number;
  respond?: (seqs: string[], call: number, stop: AbortController) => KinesisStreamBatchResponse | undefined;
  waitForParents?: () => Promise<void>;
}

/** One shard's poller over a FakeKinesis shard, with a real reader, delivery and checkpoints. */
function setup(opts: Setup) {
  const kinesis = new FakeKinesis([
    { shardId: 'shard-0', records: opts.seqs.map((s) => record(s)), closed: opts.closed ?? false },
  ]);
  const progress = new RunnerProgress();
  const shard = progress.addShard('shard-0');
  const stop = new AbortController();
  const saved: string[] = [];
  const checkpoints = new ShardCheckpoints(
    {
      load: async () => ({ shards: {} }),
      save: async (_stream, _shard, seq) => {
        saved.push(seq);
      },
    },
    {
      streamName: 'readings',
      streamArn: 'arn:aws:kinesis:eu-west-1:123456789012:stream/readings',
      createdAt: '',
    },
    opts.checkpoint === undefined ? {} : { 'shard-0': opts.checkpoint },
  );
  const batches: string[][] = [];
  const handler = async (event: KinesisStreamEvent) => {
    const seqs = event.Records.map((r) => r.kinesis.sequenceNumber);
    batches.push(seqs);
    return opts.respond?.(seqs, batches.length, stop);
  };
  const retry = { signal: stop.signal, maxDelayMs: 1_000, random: () => 0 };
  const poller = new ShardPoller({
    shard,
    context: {
      shardId: 'shard-0',
      streamArn: 'arn:aws:kinesis:eu-west-1:123456789012:stream/readings',
      awsRegion: 'eu-west-1',
      invokeIdentityArn: 'arn:aws:iam::123456789012:role/runner',
    },
    reader: new ShardReader({
      client: kinesis.client,
      streamName: 'readings',
      shard,
      batchSize: opts.batchSize ?? 100,
      batchingWindowMs: 0,
      pollIntervalMs: 0,
      retry,
      onRecords: () => progress.touch(),
    }),
    delivery: new BatchDelivery({
      handler,
      streamName: 'readings',
      policy: {
        maxRetryAttempts: -1,
        bisectBatchOnFunctionError: false,
        maxRecordAgeSeconds: -1,
        reportBatchItemFailures: true,
      },
      checkpoints,
      deadLetter: { put: async () => undefined },
      progress,
      now: Date.now,
    }),
    checkpoints,
    startingPosition: opts.startingPosition ?? 'TRIM_HORIZON',
    pollIntervalMs: 0,
    retryPolicy: { retryDelayMs: 0, maxRetryDelayMs: 0 },
    random: () => 0,
    signal: stop.signal,
    waitForParents: opts.waitForParents ?? (async () => undefined),
  });
  return { kinesis, shard, stop, saved, batches, poller };
}

const iteratorTypes = (kinesis: FakeKinesis) =>
  kinesis.inputs('GetShardIterator').map((i) => [i.ShardIteratorType, i.StartingSequenceNumber]);

describe('ShardPoller', () => {
  it('reads a closed shard to its end, delivering in batches, then marks it closed', async () => {
    const { kinesis, shard, saved, batches, poller } = setup({
      seqs: ['10', '20', '30'],
      closed: true,
      batchSize: 2,
    });
    await poller.run();
    expect(batches).toEqual([['10', '20'], ['30']]);
    expect(saved).toEqual(['20', '30']);
    expect(shard).toMatchObject({ closed: true, checkpoint: '30', busy: false });
    expect(iteratorTypes(kinesis)).toEqual([['TRIM_HORIZON', undefined]]);
  });

  it('resumes right after its checkpoint', async () => {
    const { kinesis, batches, poller } = setup({
      seqs: ['10', '20', '30', '40'],
      closed: true,
      checkpoint: '20',
    });
    await poller.run();
    expect(batches).toEqual([['30', '40']]);
    expect(iteratorTypes(kinesis)).toEqual([['AFTER_SEQUENCE_NUMBER', '20']]);
  });

  it('without a checkpoint, starts at the starting position', async () => {
    const { kinesis, batches, shard, poller } = setup({
      seqs: ['10', '20'],
      closed: true,
      startingPosition: 'LATEST',
    });
    await poller.run();
    expect(batches).toEqual([]);
    expect(shard.closed).toBe(true);
    expect(iteratorTypes(kinesis)).toEqual([['LATEST', undefined]]);
  });

  it('redelivers from the failed record through a fresh iterator, and stays busy until then', async () => {
    const { kinesis, shard, saved, batches, poller } = setup({
      seqs: ['10', '20', '30', '40'],
      closed: true,
      respond: (_seqs, call) => (call === 1 ? { batchItemFailures: [{ itemIdentifier: '30' }] } : undefined),
    });
    const busyAtSeek: boolean[] = [];
    kinesis.interfere = (c) => {
      if (c.name === 'GetShardIterator') busyAtSeek.push(shard.busy);
    };
    await poller.run();
    expect(batches).toEqual([
      ['10', '20', '30', '40'],
      ['30', '40'],
    ]);
    expect(saved).toEqual(['20', '40']);
    expect(iteratorTypes(kinesis)).toEqual([
      ['TRIM_HORIZON', undefined],
      ['AT_SEQUENCE_NUMBER', '30'],
    ]);
    expect(busyAtSeek).toEqual([false, true]);
    expect(shard.busy).toBe(false);
  });

  it('polls an open shard again after an empty read', async () => {
    const { kinesis, batches, poller } = setup({
      seqs: [],
      respond: (_seqs, _call, stop) => {
        stop.abort();
        return undefined;
      },
    });
    let reads = 0;
    kinesis.interfere = (c) => {
      if (c.name === 'GetRecords' && ++reads === 3) kinesis.shards[0]?.records.push(record('10'));
    };
    await poller.run();
    expect(reads).toBe(3);
    expect(batches).toEqual([['10']]);
  });

  it('on stop, finishes and checkpoints the batch in hand, then reads no more', async () => {
    const { kinesis, saved, batches, poller } = setup({
      seqs: ['10', '20'],
      respond: (_seqs, _call, stop) => {
        stop.abort();
        return undefined;
      },
    });
    await poller.run();
    expect(batches).toEqual([['10', '20']]);
    expect(saved).toEqual(['20']);
    expect(kinesis.inputs('GetRecords')).toHaveLength(1);
  });

  it('on stop while a failed batch waits, leaves it unhandled for the next run', async () => {
    const { kinesis, shard, saved, batches, poller } = setup({
      seqs: ['10', '20'],
      respond: (seqs, _call, stop) => {
        stop.abort();
        return { batchItemFailures: [{ itemIdentifier: seqs[0] ?? '' }] };
      },
    });
    await poller.run();
    expect(batches).toEqual([['10', '20']]);
    expect(saved).toEqual([]);
    expect(shard.checkpoint).toBeUndefined();
    expect(iteratorTypes(kinesis)).toEqual([['TRIM_HORIZON', undefined]]);
  });

  it('reads nothing before its parents are done', async () => {
    let parentsDone = (): void => undefined;
    const parents = new Promise<void>((resolve) => {
      parentsDone = resolve;
    });
    const { kinesis, batches, poller } = setup({ seqs: ['10'], closed: true, waitForParents: () => parents });
    let finished = false;
    const running = poller.run().then(() => {
      finished = true;
    });
    await settle();
    expect(kinesis.sent).toEqual([]);
    expect(finished).toBe(false);
    parentsDone();
    await running;
    expect(batches).toEqual([['10']]);
  });

  it('stopped before its parents are done, reads nothing at all', async () => {
    let parentsDone = (): void => undefined;
    const parents = new Promise<void>((resolve) => {
      parentsDone = resolve;
    });
    const { kinesis, stop, poller } = setup({ seqs: ['10'], waitForParents: () => parents });
    const running = poller.run();
    stop.abort();
    parentsDone();
    await running;
    expect(kinesis.sent).toEqual([]);
  });

  it('rejects when the shard cannot be read', async () => {
    const { kinesis, poller } = setup({ seqs: ['10'] });
    kinesis.interfere = (c) => {
      if (c.name === 'GetRecords') throw kinesisError('AccessDeniedException');
    };
    await expect(poller.run()).rejects.toThrow('AccessDeniedException');
  });
});
