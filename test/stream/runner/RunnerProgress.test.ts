import { afterEach, describe, expect, it, vi } from 'vitest';
import { RunnerProgress, type ShardProgress } from '../../../stream/runner/RunnerProgress.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('RunnerProgress', () => {
  it('has no totals and no shards before a run', () => {
    expect(new RunnerProgress().snapshot()).toEqual({
      delivered: 0,
      succeeded: 0,
      retriedBatches: 0,
      deadLettered: 0,
      batches: 0,
      shards: {},
    });
  });

  it('adds up what the parts count, and shows each shard without its internal fields', () => {
    const progress = new RunnerProgress();
    progress.reset();
    const shard = progress.addShard('shardId-000000000000');
    progress.countDelivered(10);
    progress.countSucceeded(6);
    progress.countRetried();
    progress.countDelivered(4);
    progress.countDeadLettered(4);
    shard.checkpoint = '40';
    shard.busy = true;
    shard.lastPollAt = 1_000;
    shard.lastPollRecords = 4;
    shard.millisBehindLatest = 0;
    expect(progress.snapshot()).toEqual({
      delivered: 14,
      succeeded: 6,
      retriedBatches: 1,
      deadLettered: 4,
      batches: 2,
      shards: {
        'shardId-000000000000': {
          checkpoint: '40',
          millisBehindLatest: 0,
          lastPollAt: 1_000,
          lastPollRecords: 4,
          closed: false,
        },
      },
    });
  });

  it('gives a copy: later progress does not change an earlier snapshot', () => {
    const progress = new RunnerProgress();
    const shard = progress.addShard('s');
    const before = progress.snapshot();
    shard.checkpoint = '9';
    progress.countDelivered(1);
    expect(before.delivered).toBe(0);
    expect(before.shards.s?.checkpoint).toBeUndefined();
  });

  it('starts a fresh run with reset: no shards, totals at zero, activity now', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(5_000);
    const progress = new RunnerProgress();
    progress.addShard('old');
    progress.countDelivered(3);
    vi.setSystemTime(7_000);
    progress.reset();
    expect(progress.snapshot()).toMatchObject({ delivered: 0, batches: 0, shards: {} });
    expect(progress.lastActivityAt).toBe(7_000);
    vi.setSystemTime(9_000);
    progress.touch();
    expect(progress.lastActivityAt).toBe(9_000);
  });

  describe('allCaughtUpSince(100)', () => {
    const caughtUp: Partial<ShardProgress> = {
      lastPollAt: 101,
      lastPollRecords: 0,
      millisBehindLatest: 0,
      busy: false,
    };
    it.each<{ name: string; shards: Partial<ShardProgress>[]; expected: boolean }>([
      { name: 'no shards', shards: [], expected: false },
      { name: 'a shard polled empty at the tip after the call', shards: [caughtUp], expected: true },
      { name: 'a poll in the same millisecond', shards: [{ ...caughtUp, lastPollAt: 100 }], expected: false },
      { name: 'a poll before the call', shards: [{ ...caughtUp, lastPollAt: 99 }], expected: false },
      { name: 'a shard never polled', shards: [{ ...caughtUp, lastPollAt: undefined }], expected: false },
      { name: 'a batch in flight', shards: [{ ...caughtUp, busy: true }], expected: false },
      {
        name: 'a poll that returned records',
        shards: [{ ...caughtUp, lastPollRecords: 3 }],
        expected: false,
      },
      { name: 'a poll behind the tip', shards: [{ ...caughtUp, millisBehindLatest: 250 }], expected: false },
      {
        name: 'a poll that did not say how far behind',
        shards: [{ ...caughtUp, millisBehindLatest: undefined }],
        expected: false,
      },
      {
        name: 'a closed shard never polled beside a caught-up one',
        shards: [{ closed: true }, caughtUp],
        expected: true,
      },
      { name: 'only closed shards', shards: [{ closed: true }, { closed: true }], expected: true },
      {
        name: 'one caught-up shard and one behind',
        shards: [caughtUp, { ...caughtUp, millisBehindLatest: 1 }],
        expected: false,
      },
    ])('$name -> $expected', ({ shards, expected }) => {
      const progress = new RunnerProgress();
      shards.forEach((fields, i) => {
        Object.assign(progress.addShard(`shard-${i}`), fields);
      });
      expect(progress.allCaughtUpSince(100)).toBe(expected);
    });
  });
});
