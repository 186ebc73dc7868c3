import { describe, expect, it } from 'vitest';
import { type ProducerStats, whatLimitedTheRate } from '../../../app/pipeline/rateLimit.js';

const stats = (s: Partial<ProducerStats>): ProducerStats => ({
  written: 10_000,
  producingMs: 5_000,
  writes: 20,
  writeMs: 4_800,
  rateWaitMs: 0,
  clockWaitMs: 0,
  ...s,
});

describe('what limited the write rate', () => {
  it('names the Kinesis writes when the rate asked was not reached and the producer waited on PutRecords', () => {
    expect(whatLimitedTheRate(stats({}), 8000)).toEqual({
      by: 'kinesis-writes',
      writtenPerSecond: 2000,
      busyShare: 0.96,
      msPerWrite: 240,
      recordsPerWrite: 500,
    });
  });

  it('names the Kinesis writes for a run asked to go as fast as it can', () => {
    expect(whatLimitedTheRate(stats({}), 0).by).toBe('kinesis-writes');
  });

  it('names the rate when it was reached', () => {
    expect(whatLimitedTheRate(stats({ writeMs: 1_000, rateWaitMs: 3_900 }), 2000)).toEqual({
      by: 'rate',
      writtenPerSecond: 2000,
    });
  });

  it("names the readings' own times when a live run mostly waited for them", () => {
    expect(whatLimitedTheRate(stats({ written: 50, writeMs: 100, clockWaitMs: 4_800 }), 0).by).toBe(
      'reading-time',
    );
  });
});
