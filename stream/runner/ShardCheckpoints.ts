import type { ShardProgress } from './RunnerProgress.js';
import type { CheckpointStore, StreamIdentity } from './types.js';

/** One stream's shard checkpoints in a CheckpointStore; a shard's progress shows a checkpoint once it is durable. */
export class ShardCheckpoints {
  /**
   * `kept` holds what the store had for this very stream when the run started (shard id -> sequence number);
   * checkpoints of an earlier stream with the same name are not among them.
   */
  constructor(
    private readonly store: CheckpointStore,
    private readonly stream: StreamIdentity,
    private readonly kept: Readonly<Record<string, string>>,
  ) {}

  /** Loads the shard's checkpoint into its progress and returns it; undefined when it was never checkpointed. */
  async resume(shard: ShardProgress): Promise<string | undefined> {
    shard.checkpoint = this.kept[shard.shardId];
    return shard.checkpoint;
  }

  /** Records every record of the shard up to and including `sequenceNumber` as handled. */
  async save(shard: ShardProgress, sequenceNumber: string): Promise<void> {
    await this.store.save(this.stream, shard.shardId, sequenceNumber);
    shard.checkpoint = sequenceNumber;
  }
}
