import {
  DescribeStreamSummaryCommand,
  type KinesisClient,
  ListShardsCommand,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { callKinesis, type KinesisCallRetry } from './kinesisCallRetry.js';
import type { StreamIdentity } from './types.js';

/** A shard and the shards it was split or merged from, which must be read to their end before it. */
export interface ShardLineage {
  shardId: string;
  parentIds: string[];
}

/**
 * The stream's identity as DescribeStreamSummary reports it: its ARN and its creation time, which tells a stream
 * deleted and created again under the same name from the one checkpoints were kept for ('' where the answer has none).
 */
export async function describeStream(
  client: KinesisClient,
  streamName: string,
  retry: KinesisCallRetry,
): Promise<StreamIdentity> {
  const summary = await callKinesis(
    () => client.send(new DescribeStreamSummaryCommand({ StreamName: streamName })),
    retry,
  );
  const description = summary.StreamDescriptionSummary;
  return {
    streamName,
    streamArn: description?.StreamARN ?? '',
    createdAt: description?.StreamCreationTimestamp?.toISOString() ?? '',
  };
}

/** Every shard of the stream, open and closed, with its parents (ListShards, all pages). */
export async function listShardLineage(
  client: KinesisClient,
  streamName: string,
  retry: KinesisCallRetry,
): Promise<ShardLineage[]> {
  const shards: Shard[] = [];
  let nextToken: string | undefined;
  do {
    const token = nextToken;
    // ListShards refuses StreamName together with NextToken: a page after the first names only the token.
    const page = await callKinesis(
      () => client.send(new ListShardsCommand(token ? { NextToken: token } : { StreamName: streamName })),
      retry,
    );
    shards.push(...(page.Shards ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return shards.map((shard) => ({
    shardId: shard.ShardId ?? '',
    parentIds: [shard.ParentShardId, shard.AdjacentParentShardId].filter((id): id is string => !!id),
  }));
}

/**
 * Resolves once the shard's parents have been read to their end, as Lambda orders a reshard's shards.
 * `loops` holds every shard's read loop; it is read after one yield, so loops started in the same turn count.
 */
export async function waitForParents(
  shard: ShardLineage,
  loops: ReadonlyMap<string, Promise<unknown>>,
): Promise<void> {
  await Promise.resolve();
  await Promise.all(shard.parentIds.map((id) => loops.get(id)));
}
