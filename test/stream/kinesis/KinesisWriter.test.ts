import type {
  PutRecordsCommand,
  PutRecordsCommandOutput,
  PutRecordsResultEntry,
} from '@aws-sdk/client-kinesis';
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { KinesisError } from '../../../stream/kinesis/errors.js';
import {
  KinesisWriter,
  type PutRecordsClient,
  splitIntoCalls,
  type WriteEntry,
} from '../../../stream/kinesis/KinesisWriter.js';
import { useKinesisLocal } from '../../helpers/kinesisLocal.js';

const entry = (i: number, bytes = 8): WriteEntry => ({
  data: new Uint8Array(bytes).fill(i % 256),
  partitionKey: `key-${i}`,
});
const entries = (n: number, bytes = 8): WriteEntry[] => Array.from({ length: n }, (_, i) => entry(i, bytes));

type Answer = (keys: string[]) => (PutRecordsResultEntry | undefined)[] | Error;

/** A PutRecords client that answers each call with the next scripted answer; later calls succeed. */
class ScriptedClient implements PutRecordsClient {
  readonly calls: string[][] = [];
  constructor(private readonly answers: (Answer | undefined)[] = []) {}

  async send(command: PutRecordsCommand): Promise<PutRecordsCommandOutput> {
    const keys = (command.input.Records ?? []).map((r) => r.PartitionKey ?? '');
    const answer = this.answers[this.calls.length];
    this.calls.push(keys);
    const results = answer === undefined ? keys.map(() => undefined) : answer(keys);
    if (results instanceof Error) throw results;
    const records = results.map(
      (r, i) => r ?? { SequenceNumber: String(i), ShardId: 'shardId-000000000000' },
    );
    return {
      Records: records,
      FailedRecordCount: records.filter((r) => r.ErrorCode !== undefined).length,
      $metadata: {},
    };
  }
}

const throttled: PutRecordsResultEntry = {
  ErrorCode: 'ProvisionedThroughputExceededException',
  ErrorMessage: 'Rate exceeded for shard',
};
const internal: PutRecordsResultEntry = { ErrorCode: 'InternalFailure', ErrorMessage: 'oops' };
const failKeys =
  (failing: Set<string>, result: PutRecordsResultEntry): Answer =>
  (keys) =>
    keys.map((k) => (failing.has(k) ? result : undefined));
const serviceError = (name: string, status: number, fault: 'client' | 'server'): Error =>
  Object.assign(new Error(`${name} happened`), {
    name,
    $fault: fault,
    $metadata: { httpStatusCode: status },
  });

describe('splitIntoCalls', () => {
  it.each([
    { name: 'empty', input: entries(0), sizes: [] },
    { name: '500 fit one call', input: entries(500), sizes: [500] },
    { name: '1,200 records', input: entries(1_200), sizes: [500, 500, 200] },
    // 1,000,000 data bytes + 7-8 key bytes each: 5 records exceed 5 MiB, 4 do not.
    { name: '5 MiB by bytes', input: entries(9, 1_000_000), sizes: [5, 4] },
  ])('$name', ({ input, sizes }) => {
    const calls = splitIntoCalls(input);
    expect(calls.map((c) => c.length)).toEqual(sizes);
    expect(calls.flat()).toEqual(input);
  });

  it('counts partition key bytes toward the 1 MiB record limit and rejects before any call', async () => {
    const client = new ScriptedClient();
    const writer = new KinesisWriter({ client, streamName: 's' });
    const tooBig = { data: new Uint8Array(1024 * 1024 - 2), partitionKey: 'abc' };
    await expect(writer.write([entry(1), tooBig])).rejects.toMatchObject({
      name: 'KinesisError',
      code: 'RECORD_TOO_LARGE',
    });
    expect(client.calls).toHaveLength(0);
    expect(() =>
      splitIntoCalls([{ data: new Uint8Array(1024 * 1024 - 3), partitionKey: 'abc' }]),
    ).not.toThrow();
  });

  it.each(['', 'k'.repeat(257)])('rejects partition key of length %#', (partitionKey) => {
    expect(() => splitIntoCalls([{ data: new Uint8Array(1), partitionKey }])).toThrow(KinesisError);
  });
});

describe('KinesisWriter retries (fake client)', () => {
  const noWait = { baseDelayMs: 0, sleep: async () => undefined };

  it('at concurrency 2, a failing call starts no further call and write() settles only after the calls in flight', async () => {
    const accessDenied = serviceError('AccessDeniedException', 400, 'client');
    let inFlight = 0;
    let settledWhenRejected = -1;
    // 2,000 records = 4 calls; the first call fails for good, the second is slow and must finish first.
    const client: PutRecordsClient = {
      async send(command) {
        const keys = (command.input.Records ?? []).map((r) => r.PartitionKey ?? '');
        inFlight++;
        try {
          if (keys[0] === 'key-0') throw accessDenied;
          await new Promise((r) => setTimeout(r, 30));
          return {
            Records: keys.map(() => ({ SequenceNumber: '1', ShardId: 's' })),
            FailedRecordCount: 0,
            $metadata: {},
          };
        } finally {
          inFlight--;
        }
      },
    };
    const sent: number[] = [];
    const counting: PutRecordsClient = {
      send: (command) => {
        sent.push(command.input.Records?.length ?? 0);
        return client.send(command);
      },
    };
    const writer = new KinesisWriter({
      client: counting,
      streamName: 's',
      concurrency: 2,
      maxAttempts: 1,
      ...noWait,
    });
    await expect(
      writer.write(entries(2_000)).finally(() => {
        settledWhenRejected = inFlight;
      }),
    ).rejects.toMatchObject({
      name: 'KinesisError',
      code: 'KINESIS_REQUEST_FAILED',
      retryable: false,
      message: 'PutRecords to s failed: AccessDeniedException: AccessDeniedException happened',
      cause: accessDenied,
    });
    expect(settledWhenRejected).toBe(0);
    expect(sent).toEqual([500, 500]);
  });

  it('retries only the entries that failed, and reports all written', async () => {
    const client = new ScriptedClient([failKeys(new Set(['key-1', 'key-3']), throttled)]);
    const writer = new KinesisWriter({ client, streamName: 's', ...noWait });
    const result = await writer.write(entries(5));
    expect(result).toEqual({ written: 5, attempts: 2, failed: [] });
    expect(client.calls).toEqual([
      ['key-0', 'key-1', 'key-2', 'key-3', 'key-4'],
      ['key-1', 'key-3'],
    ]);
  });

  it('returns what still fails after maxAttempts with the last error code', async () => {
    const alwaysFail = failKeys(new Set(['key-2']), internal);
    const client = new ScriptedClient([alwaysFail, alwaysFail, alwaysFail]);
    const writer = new KinesisWriter({ client, streamName: 's', maxAttempts: 3, ...noWait });
    const result = await writer.write(entries(4));
    expect(result.written).toBe(3);
    expect(result.attempts).toBe(3);
    expect(result.failed).toEqual([{ entry: entry(2), errorCode: 'InternalFailure', errorMessage: 'oops' }]);
    expect(client.calls.map((c) => c.length)).toEqual([4, 1, 1]);
  });

  it('does not retry an entry error code that is not transient', async () => {
    const denied: PutRecordsResultEntry = { ErrorCode: 'KMSAccessDeniedException', ErrorMessage: 'no key' };
    const client = new ScriptedClient([
      (keys) => keys.map((k) => (k === 'key-0' ? denied : k === 'key-1' ? throttled : undefined)),
    ]);
    const writer = new KinesisWriter({ client, streamName: 's', ...noWait });
    const result = await writer.write(entries(3));
    expect(result.written).toBe(2);
    expect(result.failed).toEqual([
      { entry: entry(0), errorCode: 'KMSAccessDeniedException', errorMessage: 'no key' },
    ]);
    expect(client.calls).toEqual([['key-0', 'key-1', 'key-2'], ['key-1']]);
  });

  it.each([
    { name: 'throttling', error: serviceError('ProvisionedThroughputExceededException', 400, 'client') },
    { name: 'a 5xx', error: serviceError('InternalFailure', 500, 'server') },
    { name: 'a reset connection', error: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) },
  ])('retries the whole call after $name', async ({ error }) => {
    const client = new ScriptedClient([() => error]);
    const writer = new KinesisWriter({ client, streamName: 's', ...noWait });
    expect(await writer.write(entries(3))).toEqual({ written: 3, attempts: 2, failed: [] });
  });

  it('reports every entry as failed when whole-call throttling outlasts maxAttempts', async () => {
    const error = serviceError('LimitExceededException', 400, 'client');
    const client = new ScriptedClient([() => error, () => error]);
    const writer = new KinesisWriter({ client, streamName: 's', maxAttempts: 2, ...noWait });
    const result = await writer.write(entries(2));
    expect(result.written).toBe(0);
    expect(result.failed.map((f) => [f.entry.partitionKey, f.errorCode])).toEqual([
      ['key-0', 'LimitExceededException'],
      ['key-1', 'LimitExceededException'],
    ]);
  });

  it('throws a non-retryable call error at once', async () => {
    const client = new ScriptedClient([() => serviceError('ResourceNotFoundException', 400, 'client')]);
    const writer = new KinesisWriter({ client, streamName: 'missing', ...noWait });
    await expect(writer.write(entries(2))).rejects.toThrow(/ResourceNotFoundException/);
    expect(client.calls).toHaveLength(1);
  });

  it('backs off exponentially with full jitter, capped', async () => {
    const fail = failKeys(new Set(['key-0']), throttled);
    const client = new ScriptedClient([fail, fail, fail, fail, fail]);
    const delays: number[] = [];
    const writer = new KinesisWriter({
      client,
      streamName: 's',
      maxAttempts: 6,
      baseDelayMs: 100,
      maxDelayMs: 500,
      random: () => 0.5,
      sleep: async (ms) => {
        delays.push(ms);
      },
    });
    const result = await writer.write(entries(1));
    expect(result).toMatchObject({ written: 1, attempts: 6 });
    expect(delays).toEqual([50, 100, 200, 250, 250]);
  });

  it('retries per call: a failure in the second call does not resend the first', async () => {
    const client = new ScriptedClient([undefined, failKeys(new Set(['key-700']), throttled)]);
    const writer = new KinesisWriter({ client, streamName: 's', ...noWait });
    const result = await writer.write(entries(1_000));
    expect(result).toEqual({ written: 1_000, attempts: 3, failed: [] });
    expect(client.calls.map((c) => c.length)).toEqual([500, 500, 1]);
    expect(client.calls[2]).toEqual(['key-700']);
  });
});

describe('KinesisWriter against kinesis-local', () => {
  const kinesis = useKinesisLocal();

  it('writes 1,200 records in 3 calls and every record can be read back', async () => {
    const { streamName } = await kinesis.freshStream(1);
    const writer = new KinesisWriter({ client: kinesis.client, streamName });
    const input = Array.from({ length: 1_200 }, (_, i) => ({
      data: new TextEncoder().encode(`record-${i}`),
      partitionKey: `device-${i % 7}`,
    }));
    const result = await writer.write(input);
    expect(result).toEqual({ written: 1_200, attempts: 3, failed: [] });

    const shards = await kinesis.client.send(new ListShardsCommand({ StreamName: streamName }));
    const { ShardIterator } = await kinesis.client.send(
      new GetShardIteratorCommand({
        StreamName: streamName,
        ShardId: shards.Shards?.[0]?.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    const read: string[] = [];
    let iterator = ShardIterator;
    while (iterator !== undefined) {
      const out = await kinesis.client.send(
        new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }),
      );
      const records = out.Records ?? [];
      read.push(...records.map((r) => new TextDecoder().decode(r.Data)));
      iterator = records.length === 0 ? undefined : out.NextShardIterator;
    }
    expect(read).toEqual(input.map((e) => new TextDecoder().decode(e.data)));
  });

  it('fails with a typed error when the stream does not exist', async () => {
    const writer = new KinesisWriter({ client: kinesis.client, streamName: kinesis.streamName('missing') });
    await expect(writer.write(entries(1))).rejects.toMatchObject({ code: 'KINESIS_REQUEST_FAILED' });
  });
});
