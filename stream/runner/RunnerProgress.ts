import type { RunnerStats, ShardStats } from './types.js';

/** One shard's progress as the runner's parts update it. */
export interface ShardProgress extends ShardStats {
  readonly shardId: string;
  /** Records read and not yet handled, or a failed batch waiting for redelivery. */
  busy: boolean;
}

type Totals = Omit<RunnerStats, 'shards' | 'engine'>;

const noTotals = (): Totals => ({
  delivered: 0,
  succeeded: 0,
  retriedBatches: 0,
  deadLettered: 0,
  batches: 0,
});

/** The runner's totals, each shard's progress and the time of its last activity: what stats() and caughtUp() read. */
export class RunnerProgress {
  private readonly shards = new Map<string, ShardProgress>();
  private totals = noTotals();
  private lastActivity = 0;

  /** Starts a fresh run: no shards, totals at zero, activity now. */
  reset(): void {
    this.totals = noTotals();
    this.lastActivity = Date.now();
    this.shards.clear();
  }

  /** Adds a shard not read yet and returns its progress, for the shard's reader and poller to update. */
  addShard(shardId: string): ShardProgress {
    const shard: ShardProgress = {
      shardId,
      checkpoint: undefined,
      millisBehindLatest: undefined,
      lastPollAt: undefined,
      lastPollRecords: 0,
      closed: false,
      lastReadSequenceNumber: undefined,
      busy: false,
    };
    this.shards.set(shardId, shard);
    return shard;
  }

  /** Epoch ms a record was last read or a handler last returned. */
  get lastActivityAt(): number {
    return this.lastActivity;
  }

  /** Notes that records were read or a handler returned. */
  touch(): void {
    this.lastActivity = Date.now();
  }

  /** One batch of `records` records was handed to the handler. */
  countDelivered(records: number): void {
    this.totals.delivered += records;
    this.totals.batches++;
  }

  /** `records` records were checkpointed as handled. */
  countSucceeded(records: number): void {
    this.totals.succeeded += records;
  }

  /** A batch failed and will be delivered again. */
  countRetried(): void {
    this.totals.retriedBatches++;
  }

  /** `records` records went to the dead letter. */
  countDeadLettered(records: number): void {
    this.totals.deadLettered += records;
  }

  /** A copy of the totals and of each shard's public progress. */
  snapshot(): Omit<RunnerStats, 'engine'> {
    const shards: Record<string, ShardStats> = {};
    for (const s of this.shards.values()) {
      shards[s.shardId] = {
        checkpoint: s.checkpoint,
        millisBehindLatest: s.millisBehindLatest,
        lastPollAt: s.lastPollAt,
        lastPollRecords: s.lastPollRecords,
        closed: s.closed,
        lastReadSequenceNumber: s.lastReadSequenceNumber,
      };
    }
    return { ...this.totals, shards };
  }

  /**
   * True when every open shard was polled after `since`, came back empty at the tip of the stream and holds
   * nothing in flight. A poll sent in the same millisecond as `since` may have crossed a write that finished
   * just before it: only later polls count.
   */
  allCaughtUpSince(since: number): boolean {
    if (this.shards.size === 0) return false;
    for (const s of this.shards.values()) {
      if (s.closed) continue;
      if (s.busy || s.lastPollAt === undefined || s.lastPollAt <= since) return false;
      if (s.lastPollRecords !== 0 || s.millisBehindLatest !== 0) return false;
    }
    return true;
  }
}
