import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  UpdateShardCountCommand,
} from '@aws-sdk/client-kinesis';
import type { KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureStream } from '../../../stream/kinesis/client.js';
import { KinesisWriter, type WriteEntry } from '../../../stream/kinesis/KinesisWriter.js';
import {
  EventSourceRunner,
  type EventSourceRunnerOptions,
} from '../../../stream/runner/EventSourceRunner.js';
import { FileCheckpointStore } from '../../../stream/runner/FileCheckpointStore.js';
import { FileDeadLetter } from '../../../stream/runner/FileDeadLetter.js';
import type { CheckpointStore, RunnerNotice } from '../../../stream/runner/types.js';
import { useKinesisLocal } from '../../helpers/kinesisLocal.js';
import { FakeKinesis, kinesisError, record } from './fakeKinesis.js';

const kinesis = useKinesisLocal();

let dir: string;
let fileCount = 0;
const runners: EventSourceRunner[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'runner-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await Promise.allSettled(runners.splice(0).map((r) => r.stop()));
});

/** A record body: the key's running number, so order and duplicates can be checked. */
interface Body {
  key: string;
  n: number;
}

const encode = (body: Body): Uint8Array => new TextEncoder().encode(JSON.stringify(body));
const decode = (record: KinesisStreamRecord): Body =>
  JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString('utf8')) as Body;

/** `perKey` records for each of `keys` keys, interleaved, key `k<i>` numbered from `from`. */
function bodies(keys: number, perKey: number, from = 0): WriteEntry[] {
  const out: WriteEntry[] = [];
  for (let n = from; n < from + perKey; n++) {
    for (let k = 0; k < keys; k++) out.push({ data: encode({ key: `k${k}`, n }), partitionKey: `k${k}` });
  }
  return out;
}

async function write(streamName: string, entries: WriteEntry[]): Promise<void> {
  const result = await new KinesisWriter({ client: kinesis.client, streamName }).write(entries);
  expect(result.failed).toEqual([]);
}

function stores(): { checkpointStore: FileCheckpointStore; deadLetter: FileDeadLetter } {
  fileCount++;
  return {
    checkpointStore: new FileCheckpointStore(join(dir, `checkpoints-${fileCount}.json`)),
    deadLetter: new FileDeadLetter(join(dir, `dead-letter-${fileCount}.jsonl`)),
  };
}

async function startRunner(
  streamName: string,
  opts: Partial<EventSourceRunnerOptions> & Pick<EventSourceRunnerOptions, 'handler'>,
): Promise<EventSourceRunner> {
  const runner = new EventSourceRunner({
    client: kinesis.client,
    streamName,
    startingPosition: 'TRIM_HORIZON',
    pollIntervalMs: 20,
    retryDelayMs: 0,
    // As the stack configures its event source mappings.
    reportBatchItemFailures: true,
    ...stores(),
    ...opts,
  });
  runners.push(runner);
  await runner.start();
  return runner;
}

/** A handler that records every batch it is given and answers with `respond`. */
function recordingHandler(
  respond: (records: KinesisStreamRecord[], call: number) => KinesisStreamBatchResponse | undefined = () =>
    undefined,
): {
  batches: KinesisStreamRecord[][];
  handler: (e: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse | undefined>;
} {
  const batches: KinesisStreamRecord[][] = [];
  return {
    batches,
    handler: async (event) => {
      batches.push(event.Records);
      return respond(event.Records, batches.length);
    },
  };
}

const ns = (batch: KinesisStreamRecord[]): number[] => batch.map((r) => decode(r).n);
const failing = (records: KinesisStreamRecord[], pick: (b: Body) => boolean): KinesisStreamBatchResponse => ({
  batchItemFailures: records
    .filter((r) => pick(decode(r)))
    .map((r) => ({ itemIdentifier: r.kinesis.sequenceNumber })),
});

describe('EventSourceRunner against kinesis-local', () => {
  it('delivers Lambda events in batches of batchSize, one shard per batch, in order per key', async () => {
    const { streamName, streamArn } = await kinesis.freshStream(2);
    await write(streamName, bodies(12, 25));
    const { batches, handler } = recordingHandler();
    const runner = await startRunner(streamName, { handler, batchSize: 25 });
    await runner.waitForIdle({ quietMs: 100 });

    expect(Math.max(...batches.map((b) => b.length))).toBe(25);
    const seen = new Map<string, number[]>();
    for (const batch of batches) {
      const shards = new Set(batch.map((r) => r.eventID.split(':')[0]));
      expect(shards.size).toBe(1);
      for (const record of batch) {
        const body = decode(record);
        seen.set(body.key, [...(seen.get(body.key) ?? []), body.n]);
      }
    }
    expect(seen.size).toBe(12);
    for (const numbers of seen.values()) expect(numbers).toEqual(Array.from({ length: 25 }, (_, n) => n));

    const first = batches[0]?.[0];
    expect(first).toMatchObject({
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventName: 'aws:kinesis:record',
      awsRegion: 'us-east-1',
      eventSourceARN: streamArn,
      invokeIdentityArn: expect.stringMatching(/^arn:aws:iam::000000000000:role\//),
      kinesis: { kinesisSchemaVersion: '1.0', partitionKey: expect.stringMatching(/^k\d+$/) },
    });
    expect(first?.eventID).toBe(`${first?.eventID.split(':')[0]}:${first?.kinesis.sequenceNumber}`);
    const arrival = first?.kinesis.approximateArrivalTimestamp ?? 0;
    expect(Math.abs(arrival - Date.now() / 1000)).toBeLessThan(600);

    const stats = runner.stats();
    expect(stats).toMatchObject({ delivered: 300, succeeded: 300, retriedBatches: 0, deadLettered: 0 });
    expect(runner.caughtUp()).toBe(true);
    for (const [shardId, shard] of Object.entries(stats.shards)) {
      const last = batches
        .filter((b) => b[0]?.eventID.startsWith(shardId))
        .at(-1)
        ?.at(-1);
      expect(shard.checkpoint).toBe(last?.kinesis.sequenceNumber);
      expect(shard.millisBehindLatest).toBe(0);
    }
  });

  it('with a batching window, gathers records written after the first read into one batch', async () => {
    const { streamName } = await kinesis.freshStream(1);
    const { batches, handler } = recordingHandler();
    const runner = await startRunner(streamName, { handler, batchSize: 30, batchingWindowMs: 20_000 });
    await runner.waitForIdle({ quietMs: 0 });
    for (let i = 0; i < 3; i++) await write(streamName, bodies(1, 10, i * 10));
    await runner.waitForIdle({ quietMs: 50 });
    expect(batches.map(ns)).toEqual([Array.from({ length: 30 }, (_, n) => n)]);
  });

  it('delivers a short batch when the batching window closes', async () => {
    const { streamName } = await kinesis.freshStream(1);
    await write(streamName, bodies(1, 5));
    const { batches, handler } = recordingHandler();
    const runner = await startRunner(streamName, { handler, batchSize: 1_000, batchingWindowMs: 100 });
    await runner.waitForIdle({ quietMs: 50 });
    expect(batches.map(ns)).toEqual([[0, 1, 2, 3, 4]]);
  });

  it('redelivers from the lowest failed record and nothing before it', async () => {
    const { streamName } = await kinesis.freshStream(1);
    await write(streamName, bodies(1, 10));
    const { batches, handler } = recordingHandler((records, call) =>
      call === 1 ? failing(records, (b) => b.n === 7 || b.n === 4) : undefined,
    );
    const durable = stores().checkpointStore;
    const saved: string[] = [];
    const checkpointStore: CheckpointStore = {
      load: (s) => durable.load(s),
      save: async (s, shard, seq) => {
        saved.push(seq);
        await durable.save(s, shard, seq);
      },
    };
    const runner = await startRunner(streamName, { handler, batchSize: 10, checkpointStore });
    await runner.waitForIdle({ quietMs: 50 });

    expect(batches.map(ns)).toEqual([
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      [4, 5, 6, 7, 8, 9],
    ]);
    // Checkpointed up to, not including, the lowest failure; then to the end once the redelivery succeeds.
    const seqOf = (n: number): string | undefined => batches[0]?.[n]?.kinesis.sequenceNumber;
    expect(saved).toEqual([seqOf(3), seqOf(9)]);
    expect(runner.stats()).toMatchObject({
      delivered: 16,
      succeeded: 10,
      retriedBatches: 1,
      deadLettered: 0,
    });
  });

  it.each([
    {
      name: 'an itemIdentifier not in the batch',
      fail: () => ({ batchItemFailures: [{ itemIdentifier: 'x' }] }),
    },
    {
      name: 'a thrown error',
      fail: () => {
        throw new Error('boom');
      },
    },
  ])('redelivers the whole batch after $name', async ({ fail }) => {
    const { streamName } = await kinesis.freshStream(1);
    await write(streamName, bodies(1, 4));
    const { batches, handler } = recordingHandler((_records, call) => (call === 1 ? fail() : undefined));
    const runner = await startRunner(streamName, { handler });
    await runner.waitForIdle({ quietMs: 50 });
    expect(batches.map(ns)).toEqual([
      [0, 1, 2, 3],
      [0, 1, 2, 3],
    ]);
    expect(runner.stats()).toMatchObject({ succeeded: 4, retriedBatches: 1 });
  });

  it('dead-letters the failing record and the rest of its batch after maxRetryAttempts, then moves on', async () => {
    const { streamName } = await kinesis.freshStream(1);
    // Bytes that are not UTF-8 show the dead letter keeps the raw record.
    const raw = (n: number): Uint8Array => new Uint8Array([0xff, 0xfe, n]);
    await write(
      streamName,
      Array.from({ length: 6 }, (_, n) => ({ data: raw(n), partitionKey: 'p' })),
    );
    const batches: number[][] = [];
    const handler = async (event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> => {
      const ns = event.Records.map((r) => Buffer.from(r.kinesis.data, 'base64')[2] ?? -1);
      batches.push(ns);
      const bad = event.Records.filter((r) => Buffer.from(r.kinesis.data, 'base64')[2] === 3);
      return { batchItemFailures: bad.map((r) => ({ itemIdentifier: r.kinesis.sequenceNumber })) };
    };
    const own = stores();
    const runner = await startRunner(streamName, { handler, maxRetryAttempts: 2, ...own });
    await runner.waitForIdle({ quietMs: 50 });

    expect(batches).toEqual([
      [0, 1, 2, 3, 4, 5],
      [3, 4, 5],
      [3, 4, 5],
    ]);
    const dead = await own.deadLetter.read();
    expect(dead.map((d) => [Array.from(d.data), d.reason, d.attempts, d.shardId, d.partitionKey])).toEqual(
      [3, 4, 5].map((n) => [
        [0xff, 0xfe, n],
        'batch item failure after 3 attempts',
        3,
        'shardId-000000000000',
        'p',
      ]),
    );
    expect(runner.stats()).toMatchObject({ succeeded: 3, deadLettered: 3, retriedBatches: 2 });
    expect(runner.stats().shards['shardId-000000000000']?.checkpoint).toBe(dead.at(-1)?.sequenceNumber);

    await write(streamName, [{ data: raw(6), partitionKey: 'p' }]);
    await runner.waitForIdle({ quietMs: 50 });
    expect(batches.at(-1)).toEqual([6]);
  });

  it("dead-letters with the handler's error message when it keeps throwing", async () => {
    const { streamName } = await kinesis.freshStream(1);
    await write(streamName, bodies(2, 2));
    const own = stores();
    let calls = 0;
    const runner = await startRunner(streamName, {
      handler: async () => {
        calls++;
        throw new Error('decoder exploded');
      },
      maxRetryAttempts: 1,
      ...own,
    });
    await runner.waitForIdle({ quietMs: 50 });
    expect(calls).toBe(2);
    const dead = await own.deadLetter.read();
    expect(dead).toHaveLength(4);
    expect(new Set(dead.map((d) => `${d.reason}/${d.attempts}`))).toEqual(new Set(['decoder exploded/2']));
  });

  it('resumes after the checkpoint: a stopped and a new runner see every record exactly once', async () => {
    const { streamName } = await kinesis.freshStream(2);
    await write(streamName, bodies(10, 20));
    const { checkpointStore, deadLetter } = stores();
    const seen = new Map<string, number>();
    const count = (event: KinesisStreamEvent): void => {
      for (const r of event.Records) {
        const { key, n } = decode(r);
        seen.set(`${key}/${n}`, (seen.get(`${key}/${n}`) ?? 0) + 1);
      }
    };

    let stopping: Promise<void> | undefined;
    const first: EventSourceRunner = await startRunner(streamName, {
      batchSize: 10,
      checkpointStore,
      deadLetter,
      handler: async (event) => {
        count(event);
        // Stop midway, from inside a batch: that batch still completes and is checkpointed.
        if (seen.size >= 50) stopping ??= first.stop();
      },
    });
    await expect.poll(() => stopping !== undefined, { timeout: 20_000 }).toBe(true);
    await stopping;
    const handledByFirst = first.stats().succeeded;
    expect(handledByFirst).toBeGreaterThanOrEqual(50);
    expect(handledByFirst).toBeLessThan(200);

    const second = await startRunner(streamName, {
      batchSize: 10,
      checkpointStore: new FileCheckpointStore(checkpointStore.path),
      deadLetter,
      handler: async (event) => count(event),
    });
    await second.waitForIdle({ quietMs: 100 });
    expect(second.stats().succeeded).toBe(200 - handledByFirst);
    expect(seen.size).toBe(200);
    expect([...seen.values()].every((times) => times === 1)).toBe(true);
  });

  it('redelivers a batch whose checkpoint was never saved (at-least-once across a crash)', async () => {
    const { streamName } = await kinesis.freshStream(1);
    await write(streamName, bodies(1, 3));
    const durable = stores().checkpointStore;
    const crashing: CheckpointStore = {
      load: (s) => durable.load(s),
      save: async () => {
        throw new Error('disk full');
      },
    };
    const { batches, handler } = recordingHandler();
    const errors: unknown[] = [];
    const crashed = await startRunner(streamName, {
      handler,
      checkpointStore: crashing,
      onError: (err) => errors.push(err),
    });
    await expect.poll(() => errors.length).toBe(1);
    await expect(crashed.waitForIdle()).rejects.toThrow('disk full');
    await expect(crashed.stop()).rejects.toThrow('disk full');

    const again = await startRunner(streamName, { handler, checkpointStore: durable });
    await again.waitForIdle({ quietMs: 50 });
    expect(batches.map(ns)).toEqual([
      [0, 1, 2],
      [0, 1, 2],
    ]);
  });

  it('after a reshard, reads the closed parent to its end before its children, each record once', async () => {
    const { streamName } = await kinesis.freshStream(1);
    await write(streamName, bodies(6, 5));
    await kinesis.client.send(
      new UpdateShardCountCommand({
        StreamName: streamName,
        TargetShardCount: 2,
        ScalingType: 'UNIFORM_SCALING',
      }),
    );
    await expect
      .poll(
        async () =>
          (await kinesis.client.send(new DescribeStreamSummaryCommand({ StreamName: streamName })))
            .StreamDescriptionSummary?.StreamStatus,
        { timeout: 30_000, interval: 50 },
      )
      .toBe('ACTIVE');
    await write(streamName, bodies(6, 5, 5));
    const { batches, handler } = recordingHandler();
    const runner = await startRunner(streamName, { handler, batchSize: 7 });
    await runner.waitForIdle({ quietMs: 100 });

    const shardOf = (batch: KinesisStreamRecord[]): string => batch[0]?.eventID.split(':')[0] ?? '';
    const order = batches.map(shardOf);
    const parent = 'shardId-000000000000';
    const lastParentBatch = order.lastIndexOf(parent);
    const firstChildBatch = order.findIndex((shard) => shard !== parent);
    expect(lastParentBatch).toBeGreaterThanOrEqual(0);
    expect(firstChildBatch).toBeGreaterThan(lastParentBatch);
    expect(
      batches
        .slice(0, lastParentBatch + 1)
        .flat()
        .map(decode),
    ).toHaveLength(30);
    expect(new Set(order.slice(firstChildBatch)).size).toBe(2);

    const seen = new Map<string, number[]>();
    for (const { key, n } of batches.flat().map(decode)) seen.set(key, [...(seen.get(key) ?? []), n]);
    expect(seen.size).toBe(6);
    for (const numbers of seen.values()) expect(numbers).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const stats = runner.stats();
    expect(stats).toMatchObject({ delivered: 60, succeeded: 60, retriedBatches: 0, deadLettered: 0 });
    expect(Object.keys(stats.shards).sort()).toEqual([
      parent,
      'shardId-000000000001',
      'shardId-000000000002',
    ]);
    expect(stats.shards[parent]?.closed).toBe(true);
  });

  it('reads a stream deleted and created again under the same name from its start, and says so', async () => {
    const { streamName } = await kinesis.freshStream(1);
    await write(streamName, bodies(1, 8));
    const { checkpointStore, deadLetter } = stores();
    const first = recordingHandler();
    const before = await startRunner(streamName, { handler: first.handler, checkpointStore, deadLetter });
    await before.waitForIdle({ quietMs: 0 });
    await before.stop();
    expect(first.batches.flat()).toHaveLength(8);

    await kinesis.client.send(new DeleteStreamCommand({ StreamName: streamName }));
    await expect
      .poll(
        () =>
          kinesis.client.send(new DescribeStreamSummaryCommand({ StreamName: streamName })).then(
            () => 'there',
            (err: Error) => err.name,
          ),
        { timeout: 30_000, interval: 50 },
      )
      .toBe('ResourceNotFoundException');
    await ensureStream(kinesis.client, streamName, 1);
    await write(streamName, bodies(1, 3, 100));

    const notices: RunnerNotice[] = [];
    const second = recordingHandler();
    const after = await startRunner(streamName, {
      handler: second.handler,
      checkpointStore: new FileCheckpointStore(checkpointStore.path),
      deadLetter,
      onNotice: (n) => notices.push(n),
    });
    await after.waitForIdle({ quietMs: 50 });
    expect(second.batches.map(ns)).toEqual([[100, 101, 102]]);
    expect(notices).toEqual([
      expect.objectContaining({ kind: 'streamRecreated', streamName, previousCreatedAt: expect.any(String) }),
    ]);
  });

  it('starts at LATEST when there is no checkpoint', async () => {
    const { streamName } = await kinesis.freshStream(1);
    await write(streamName, bodies(1, 5));
    const { batches, handler } = recordingHandler();
    const runner = await startRunner(streamName, { handler, startingPosition: 'LATEST' });
    await runner.waitForIdle({ quietMs: 0 });
    await write(streamName, bodies(1, 2, 5));
    await runner.waitForIdle({ quietMs: 50 });
    expect(batches.map(ns)).toEqual([[5, 6]]);
  });
});

describe('EventSourceRunner options', () => {
  const base = {
    client: {} as EventSourceRunnerOptions['client'],
    streamName: 's',
    handler: async () => undefined,
    startingPosition: 'TRIM_HORIZON' as const,
    checkpointStore: { load: async () => ({ shards: {} }), save: async () => undefined },
    deadLetter: { put: async () => undefined },
  };

  it.each([
    { batchSize: 0 },
    { batchSize: 10_001 },
    { batchSize: 1.5 },
    { batchingWindowMs: -1 },
    { batchingWindowMs: 300_001 },
    { maxRetryAttempts: -2 },
    { startingPosition: 'AT_TIMESTAMP' as 'LATEST' },
  ])('rejects %o', (bad) => {
    expect(() => new EventSourceRunner({ ...base, ...bad })).toThrow(/invalid EventSourceRunner options/);
  });

  it.each([{ batchSize: 10_000 }, { maxRetryAttempts: -1 }, { batchingWindowMs: 300_000 }])(
    'accepts %o',
    (ok) => {
      expect(() => new EventSourceRunner({ ...base, ...ok })).not.toThrow();
    },
  );
});

describe('EventSourceRunner coordination (FakeKinesis)', () => {
  function fakeRunner(
    fake: FakeKinesis,
    handler: EventSourceRunnerOptions['handler'],
    opts: Partial<EventSourceRunnerOptions> = {},
  ): EventSourceRunner {
    const runner = new EventSourceRunner({
      client: fake.client,
      streamName: 'readings',
      handler,
      startingPosition: 'TRIM_HORIZON',
      checkpointStore: { load: async () => ({ shards: {} }), save: async () => undefined },
      deadLetter: { put: async () => undefined },
      pollIntervalMs: 0,
      retryDelayMs: 0,
      random: () => 0,
      ...opts,
    });
    runners.push(runner);
    return runner;
  }
  const seqsOf = (event: KinesisStreamEvent): string[] => event.Records.map((r) => r.kinesis.sequenceNumber);

  it('reads both parents of a merged shard to their end before the child', async () => {
    const fake = new FakeKinesis([
      { shardId: 'child', parentIds: ['left', 'right'], records: [record('50'), record('60')] },
      { shardId: 'left', records: [record('10'), record('20')], closed: true },
      { shardId: 'right', records: [record('30')], closed: true },
    ]);
    const batches: string[][] = [];
    const runner = fakeRunner(fake, async (event) => {
      batches.push(seqsOf(event));
    });
    await runner.start();
    await runner.waitForIdle({ quietMs: 0 });
    expect(batches).toHaveLength(3);
    expect(batches.slice(0, 2).sort()).toEqual([['10', '20'], ['30']]);
    expect(batches[2]).toEqual(['50', '60']);
    expect(runner.stats().shards).toMatchObject({
      left: { closed: true, checkpoint: '20' },
      right: { closed: true, checkpoint: '30' },
      child: { closed: false, checkpoint: '60' },
    });
    expect(runner.caughtUp()).toBe(true);
  });

  it('stops every shard when one fails for good, and reports that error once', async () => {
    const fake = new FakeKinesis([
      { shardId: 'a', records: [record('10')] },
      { shardId: 'b', records: [record('20')] },
    ]);
    fake.interfere = (c) => {
      if (c.name === 'GetRecords' && c.input.ShardIterator === 'b@1')
        throw kinesisError('ResourceNotFoundException');
    };
    const errors: unknown[] = [];
    const runner = fakeRunner(fake, async () => undefined, { onError: (err) => errors.push(err) });
    await runner.start();
    await expect(runner.waitForIdle({ timeoutMs: 10_000 })).rejects.toThrow('ResourceNotFoundException');
    await expect(runner.stop()).rejects.toThrow('ResourceNotFoundException');
    expect(errors).toHaveLength(1);
    expect(runner.caughtUp()).toBe(false);
  });

  it('gives up waiting for idle after timeoutMs while a batch keeps failing', async () => {
    const fake = new FakeKinesis([{ shardId: 'a', records: [record('10')] }]);
    const runner = fakeRunner(
      fake,
      async () => {
        throw new Error('always');
      },
      { maxRetryAttempts: -1 },
    );
    await runner.start();
    await expect(runner.waitForIdle({ quietMs: 0, timeoutMs: 50 })).rejects.toMatchObject({
      code: 'RUNNER_IDLE_TIMEOUT',
      retryable: true,
    });
    expect(runner.stats().retriedBatches).toBeGreaterThan(0);
    expect(runner.caughtUp()).toBe(false);
  });

  it('starts again after a stop, retrying a throttled describe as on the first start', async () => {
    const fake = new FakeKinesis([{ shardId: 'a', records: [record('10')] }]);
    const batches: string[][] = [];
    const runner = fakeRunner(fake, async (event) => {
      batches.push(seqsOf(event));
    });
    await runner.start();
    await runner.waitForIdle({ quietMs: 0 });
    await runner.stop();
    let throttled = false;
    fake.interfere = (c) => {
      if (c.name === 'DescribeStreamSummary' && !throttled) {
        throttled = true;
        throw kinesisError('LimitExceededException');
      }
    };
    fake.shards[0]?.records.push(record('20'));
    await runner.start();
    await runner.waitForIdle({ quietMs: 0 });
    expect(fake.inputs('DescribeStreamSummary')).toHaveLength(3);
    // No checkpoint store kept the first run's progress here, so the second run reads from the start again.
    expect(batches).toEqual([['10'], ['10', '20']]);
  });

  it('waits for idle only while it runs', async () => {
    const runner = fakeRunner(new FakeKinesis([]), async () => undefined);
    await expect(runner.waitForIdle()).rejects.toMatchObject({ code: 'RUNNER_NOT_RUNNING' });
    expect(runner.stats()).toEqual({
      delivered: 0,
      succeeded: 0,
      retriedBatches: 0,
      deadLettered: 0,
      batches: 0,
      shards: {},
      engine: { unreachableSince: undefined, lastError: undefined },
    });
  });
});
