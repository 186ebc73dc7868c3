import type { ShardProgress } from './RunnerProgress.js';
import type { CheckpointStore } from './types.js';

/** One stream's shard checkpoints in a CheckpointStore; a shard's progress shows a checkpoint once it is durable. */
export class ShardCheckpoints {
  constructor(
    private readonly store: CheckpointStore,
    private readonly streamName: string,
  ) {}

  /** Loads the shard's checkpoint into its progress and returns it; undefined when it was never checkpointed. */
  async resume(shard: ShardProgress): Promise<string | undefined> {
    shard.checkpoint = await this.store.load(this.streamName, shard.shardId);
    return shard.checkpoint;
  }

  /** Records every record of the shard up to and including `sequenceNumber` as handled. */
  async save(shard: ShardProgress, sequenceNumber: string): Promise<void> {
    await this.store.save(this.streamName, shard.shardId, sequenceNumber);
    shard.checkpoint = sequenceNumber;
  }
}
