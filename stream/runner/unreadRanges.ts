import type { RunnerStats } from './types.js';

/** What of one shard was not handled when a run stopped. */
export interface UnreadRange {
  shardId: string;
  /** Every record after this sequence number is unhandled; undefined: none of the shard was handled. */
  after: string | undefined;
  /** The last record read from the shard, when it was read but not handled. */
  readUpTo: string | undefined;
  /** How far behind the tip the shard's last answered read was; 0: it had read everything there was then. */
  millisBehindLatest: number | undefined;
}

/**
 * Where each open shard stands when a run stops: records after its checkpoint are unhandled (a closed shard read to its
 * end has none). Sequence numbers compare as integers: they are too long for a Number and differ in length.
 */
export function unreadRanges(stats: Pick<RunnerStats, 'shards'>): UnreadRange[] {
  return Object.entries(stats.shards)
    .filter(([, shard]) => !shard.closed)
    .map(([shardId, shard]) => {
      const read = shard.lastReadSequenceNumber;
      const readBeyond =
        read !== undefined && (shard.checkpoint === undefined || BigInt(read) > BigInt(shard.checkpoint));
      return {
        shardId,
        after: shard.checkpoint,
        readUpTo: readBeyond ? read : undefined,
        millisBehindLatest: shard.millisBehindLatest,
      };
    });
}
