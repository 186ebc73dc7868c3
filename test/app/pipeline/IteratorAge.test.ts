import type { KinesisStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { IteratorAge } from '../../../app/pipeline/IteratorAge.js';

const batch = (shard: string, arrivalsMs: number[]): KinesisStreamEvent =>
  ({
    Records: arrivalsMs.map((t, i) => ({
      eventID: `${shard}:${i}`,
      kinesis: { approximateArrivalTimestamp: t / 1000 },
    })),
  }) as unknown as KinesisStreamEvent;

describe('iterator age', () => {
  it("is the age of each batch's newest record when the handler gets it, the furthest-behind shard's", async () => {
    let now = 10_000;
    const age = new IteratorAge(() => now);
    expect(age.ageMs()).toBe(0);
    const seen: number[] = [];
    const handler = age.wrap(async (event: KinesisStreamEvent) => {
      seen.push(event.Records.length);
      return { batchItemFailures: [] };
    });
    await handler(batch('shardId-000000000000', [7_000, 8_500, 8_000]));
    expect(age.ageMs()).toBe(1_500);
    await handler(batch('shardId-000000000001', [6_000]));
    expect(age.ageMs()).toBe(4_000);
    now = 12_000;
    await handler(batch('shardId-000000000001', [11_900]));
    expect(age.ageMs()).toBe(1_500);
    expect(seen).toEqual([3, 1, 1]);
  });

  it('ignores a batch without arrival times', () => {
    const age = new IteratorAge(() => 5_000);
    age.observe(batch('s', [0]));
    age.observe({ Records: [] } as unknown as KinesisStreamEvent);
    expect(age.ageMs()).toBe(0);
  });
});
