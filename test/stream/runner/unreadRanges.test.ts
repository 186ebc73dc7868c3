import { describe, expect, it } from 'vitest';
import type { ShardStats } from '../../../stream/runner/types.js';
import { unreadRanges } from '../../../stream/runner/unreadRanges.js';

const shard = (over: Partial<ShardStats>): ShardStats => ({
  checkpoint: undefined,
  millisBehindLatest: undefined,
  lastPollAt: undefined,
  lastPollRecords: 0,
  closed: false,
  lastReadSequenceNumber: undefined,
  ...over,
});

describe('unreadRanges', () => {
  it('names, per open shard, the checkpoint after which records are unhandled and how far it had read', () => {
    const ranges = unreadRanges({
      shards: {
        // Read beyond its checkpoint: the batch in hand was not handled.
        'shardId-000000000000': shard({
          checkpoint: '49600000000000000000000000000000000000000000000000000009',
          lastReadSequenceNumber: '49600000000000000000000000000000000000000000000000000120',
          millisBehindLatest: 0,
        }),
        // Never handled anything.
        'shardId-000000000001': shard({ millisBehindLatest: 5_000 }),
        // Everything read was handled.
        'shardId-000000000002': shard({ checkpoint: '7', lastReadSequenceNumber: '7' }),
        // Closed by a reshard and read to its end: nothing left.
        'shardId-000000000003': shard({ checkpoint: '5', closed: true }),
      },
    });
    expect(ranges).toEqual([
      {
        shardId: 'shardId-000000000000',
        after: '49600000000000000000000000000000000000000000000000000009',
        readUpTo: '49600000000000000000000000000000000000000000000000000120',
        millisBehindLatest: 0,
      },
      { shardId: 'shardId-000000000001', after: undefined, readUpTo: undefined, millisBehindLatest: 5_000 },
      { shardId: 'shardId-000000000002', after: '7', readUpTo: undefined, millisBehindLatest: undefined },
    ]);
  });

  it('compares sequence numbers as integers, not as text of different lengths', () => {
    // As text, '9' > '10'; as numbers the read record (10) is beyond the checkpoint (9).
    const [range] = unreadRanges({ shards: { s: shard({ checkpoint: '9', lastReadSequenceNumber: '10' }) } });
    expect(range?.readUpTo).toBe('10');
  });
});
