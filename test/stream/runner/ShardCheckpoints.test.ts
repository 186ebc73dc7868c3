import { describe, expect, it } from 'vitest';
import { RunnerProgress } from '../../../stream/runner/RunnerProgress.js';
import { ShardCheckpoints } from '../../../stream/runner/ShardCheckpoints.js';
import type { CheckpointStore } from '../../../stream/runner/types.js';

/** A checkpoint store in memory, keyed "stream/shard", whose saves can be made to fail. */
function memoryStore(initial: Record<string, string> = {}): CheckpointStore & {
  saved: Record<string, string>;
  failSaves: boolean;
} {
  const store = {
    saved: { ...initial },
    failSaves: false,
    load: async (stream: string, shard: string) => store.saved[`${stream}/${shard}`],
    save: async (stream: string, shard: string, seq: string) => {
      if (store.failSaves) throw new Error('disk full');
      store.saved[`${stream}/${shard}`] = seq;
    },
  };
  return store;
}

describe('ShardCheckpoints', () => {
  it("resumes a shard from its own stream's checkpoint and shows it in the shard's progress", async () => {
    const store = memoryStore({ 'readings/shard-1': '42', 'other/shard-2': '7' });
    const checkpoints = new ShardCheckpoints(store, 'readings');
    const progress = new RunnerProgress();
    const one = progress.addShard('shard-1');
    const two = progress.addShard('shard-2');
    expect(await checkpoints.resume(one)).toBe('42');
    expect(await checkpoints.resume(two)).toBeUndefined();
    expect([one.checkpoint, two.checkpoint]).toEqual(['42', undefined]);
  });

  it('saves under the stream and shard, then shows the checkpoint', async () => {
    const store = memoryStore();
    const shard = new RunnerProgress().addShard('shard-1');
    await new ShardCheckpoints(store, 'readings').save(shard, '99');
    expect(store.saved).toEqual({ 'readings/shard-1': '99' });
    expect(shard.checkpoint).toBe('99');
  });

  it('shows no checkpoint that did not become durable', async () => {
    const store = memoryStore({ 'readings/shard-1': '10' });
    const checkpoints = new ShardCheckpoints(store, 'readings');
    const shard = new RunnerProgress().addShard('shard-1');
    await checkpoints.resume(shard);
    store.failSaves = true;
    await expect(checkpoints.save(shard, '20')).rejects.toThrow('disk full');
    expect(shard.checkpoint).toBe('10');
  });
});
