import { describe, expect, it } from 'vitest';
import { RunnerProgress } from '../../../stream/runner/RunnerProgress.js';
import { ShardCheckpoints } from '../../../stream/runner/ShardCheckpoints.js';
import type { CheckpointStore, StreamIdentity } from '../../../stream/runner/types.js';

const readings: StreamIdentity = {
  streamName: 'readings',
  streamArn: 'arn:aws:kinesis:eu-west-1:123456789012:stream/readings',
  createdAt: '2026-01-01T00:00:00.000Z',
};

/** A checkpoint store in memory, keyed "stream@created/shard", whose saves can be made to fail. */
function memoryStore(): CheckpointStore & { saved: Record<string, string>; failSaves: boolean } {
  const store = {
    saved: {} as Record<string, string>,
    failSaves: false,
    load: async () => ({ shards: {} }),
    save: async (stream: StreamIdentity, shard: string, seq: string) => {
      if (store.failSaves) throw new Error('disk full');
      store.saved[`${stream.streamName}@${stream.createdAt}/${shard}`] = seq;
    },
  };
  return store;
}

describe('ShardCheckpoints', () => {
  it("resumes a shard from the stream's checkpoints kept at the start and shows it in the shard's progress", async () => {
    const checkpoints = new ShardCheckpoints(memoryStore(), readings, { 'shard-1': '42' });
    const progress = new RunnerProgress();
    const one = progress.addShard('shard-1');
    const two = progress.addShard('shard-2');
    expect(await checkpoints.resume(one)).toBe('42');
    expect(await checkpoints.resume(two)).toBeUndefined();
    expect([one.checkpoint, two.checkpoint]).toEqual(['42', undefined]);
  });

  it('saves under the stream identity and shard, then shows the checkpoint', async () => {
    const store = memoryStore();
    const shard = new RunnerProgress().addShard('shard-1');
    await new ShardCheckpoints(store, readings, {}).save(shard, '99');
    expect(store.saved).toEqual({ 'readings@2026-01-01T00:00:00.000Z/shard-1': '99' });
    expect(shard.checkpoint).toBe('99');
  });

  it('shows no checkpoint that did not become durable', async () => {
    const store = memoryStore();
    const checkpoints = new ShardCheckpoints(store, readings, { 'shard-1': '10' });
    const shard = new RunnerProgress().addShard('shard-1');
    await checkpoints.resume(shard);
    store.failSaves = true;
    await expect(checkpoints.save(shard, '20')).rejects.toThrow('disk full');
    expect(shard.checkpoint).toBe('10');
  });
});
