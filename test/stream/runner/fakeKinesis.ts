import type { _Record, KinesisClient } from '@aws-sdk/client-kinesis';

/** One shard of a FakeKinesis stream. */
export interface FakeShard {
  shardId: string;
  parentIds?: string[];
  records: _Record[];
  /** A closed shard answers its last read with no next iterator. */
  closed?: boolean;
}

/** A command the fake was sent: the SDK command's name without "Command", and its input. */
export interface SentCommand {
  name: string;
  input: Record<string, unknown>;
}

/** A record as GetRecords returns it; the data is the sequence number's text unless given. */
export function record(sequenceNumber: string, data?: Uint8Array): _Record {
  return {
    SequenceNumber: sequenceNumber,
    PartitionKey: `pk-${sequenceNumber}`,
    Data: data ?? new TextEncoder().encode(sequenceNumber),
    ApproximateArrivalTimestamp: new Date(1_700_000_000_000),
  };
}

/** An error shaped as the SDK raises a Kinesis service error. */
export function kinesisError(name: string, httpStatusCode = 400): Error {
  return Object.assign(new Error(`${name} (fake)`), {
    name,
    $fault: httpStatusCode >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode },
  });
}

/** Lets every pending promise callback and immediate run, so a test can see what has settled without a timer. */
export async function settle(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * A KinesisClient stand-in over in-memory shards, for unit tests of the runner's parts: iterators are
 * `<shardId>@<index>`, pages of ListShards hold `pageSize` shards. `interfere` runs before each answer and
 * may throw (an error to return) or change the shards.
 */
export class FakeKinesis {
  readonly sent: SentCommand[] = [];
  interfere: ((command: SentCommand) => void) | undefined;
  readonly client: KinesisClient;

  constructor(
    readonly shards: FakeShard[],
    readonly opts: { streamArn?: string; createdAt?: Date; pageSize?: number } = {},
  ) {
    this.client = {
      send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
        const sent = { name: command.constructor.name.replace(/Command$/, ''), input: command.input };
        this.sent.push(sent);
        await Promise.resolve();
        this.interfere?.(sent);
        return this.answer(sent);
      },
    } as unknown as KinesisClient;
  }

  /** The commands of one kind that were sent, in order. */
  inputs(name: string): Record<string, unknown>[] {
    return this.sent.filter((c) => c.name === name).map((c) => c.input);
  }

  private answer({ name, input }: SentCommand): unknown {
    switch (name) {
      case 'DescribeStreamSummary':
        return {
          StreamDescriptionSummary: {
            StreamARN: this.opts.streamArn ?? 'arn:aws:kinesis:eu-west-1:123456789012:stream/fake',
            StreamCreationTimestamp: this.opts.createdAt ?? new Date(1_700_000_000_000),
          },
        };
      case 'ListShards': {
        const size = this.opts.pageSize ?? this.shards.length;
        const page = typeof input.NextToken === 'string' ? Number(input.NextToken.replace('page-', '')) : 0;
        const shards = this.shards.slice(page * size, (page + 1) * size).map((s) => ({
          ShardId: s.shardId,
          ParentShardId: s.parentIds?.[0],
          AdjacentParentShardId: s.parentIds?.[1],
        }));
        const more = (page + 1) * size < this.shards.length;
        return { Shards: shards, NextToken: more ? `page-${page + 1}` : undefined };
      }
      case 'GetShardIterator': {
        const shard = this.shard(String(input.ShardId));
        const seq = input.StartingSequenceNumber;
        const at = shard.records.findIndex((r) => r.SequenceNumber === seq);
        const index = {
          TRIM_HORIZON: 0,
          LATEST: shard.records.length,
          AT_SEQUENCE_NUMBER: at,
          AFTER_SEQUENCE_NUMBER: at + 1,
        }[String(input.ShardIteratorType)];
        if (index === undefined || index < 0) throw kinesisError('InvalidArgumentException');
        return { ShardIterator: `${shard.shardId}@${index}` };
      }
      case 'GetRecords': {
        const [shardId, at] = String(input.ShardIterator).split('@');
        const shard = this.shard(String(shardId));
        const from = Number(at);
        const records = shard.records.slice(from, from + Number(input.Limit ?? 10_000));
        const next = from + records.length;
        const atEnd = next >= shard.records.length;
        return {
          Records: records,
          NextShardIterator: shard.closed && atEnd ? undefined : `${shard.shardId}@${next}`,
          MillisBehindLatest: atEnd ? 0 : 1_000,
        };
      }
      default:
        throw new Error(`FakeKinesis does not answer ${name}`);
    }
  }

  private shard(shardId: string): FakeShard {
    const shard = this.shards.find((s) => s.shardId === shardId);
    if (shard === undefined) throw kinesisError('ResourceNotFoundException');
    return shard;
  }
}
