import { describe, expect, it } from 'vitest';
import { resolvePipelineSettings } from '../../../app/pipeline/pipelineSettings.js';
import type { LocalPipelineOptions } from '../../../app/pipeline/types.js';

const BASE: LocalPipelineOptions = {
  dataDir: '/tmp/unused',
  machines: 50,
  records: 1000,
  rate: 4000,
  shards: 4,
  seed: 42,
  poisonRate: 0,
  batchSize: 1000,
  batchingWindowMs: 100,
};
const resolve = (overrides: Partial<LocalPipelineOptions>) =>
  resolvePipelineSettings({ ...BASE, ...overrides }, () => 1_700_000_000_000);

describe('pipeline settings', () => {
  it.each([
    { name: 'an endless run at full speed', overrides: { records: undefined, rate: 0 } },
    { name: 'an endless run at a negative rate', overrides: { records: undefined, rate: -5 } },
    { name: 'an endless run at NaN rate', overrides: { records: undefined, rate: Number.NaN } },
  ])('refuses $name: it could never be told to stop by its count', ({ overrides }) => {
    expect(() => resolve(overrides)).toThrow('a run without --records needs --rate > 0');
  });

  it.each([{ overrides: { records: undefined, rate: 100 } }, { overrides: { records: 10, rate: 0 } }])(
    'accepts $overrides',
    ({ overrides }) => {
      expect(() => resolve(overrides)).not.toThrow();
    },
  );

  it.each([
    { overrides: { machines: 50, rate: 4000 }, intervalMs: 12.5 },
    { overrides: { machines: 10, rate: 5 }, intervalMs: 2000 },
    { overrides: { machines: 50, rate: 0 }, intervalMs: 1000 },
    { overrides: { machines: 50, rate: 4000, intervalMs: 60_000 }, intervalMs: 60_000 },
  ])('a machine reads every $intervalMs ms with $overrides', ({ overrides, intervalMs }) => {
    expect(resolve(overrides).intervalMs).toBe(intervalMs);
  });

  it.each([
    { rate: 0, writeChunk: 500 },
    { rate: 4000, writeChunk: 400 },
    { rate: 100_000, writeChunk: 500 },
    { rate: 44, writeChunk: 4 },
    { rate: 3, writeChunk: 1 },
  ])('writes $writeChunk records at a time at rate $rate', ({ rate, writeChunk }) => {
    expect(resolve({ rate }).writeChunk).toBe(writeChunk);
  });

  it.each([
    { driftWindowRecords: undefined, expected: 1000 },
    { driftWindowRecords: 0, expected: 0 },
    { driftWindowRecords: 250, expected: 250 },
  ])('drift window $driftWindowRecords resolves to $expected (0 keeps the monitor off)', (c) => {
    const overrides = c.driftWindowRecords === undefined ? {} : { driftWindowRecords: c.driftWindowRecords };
    expect(resolve(overrides).driftWindowRecords).toBe(c.expected);
  });

  it('names a fresh stream after the clock unless one is given', () => {
    expect(resolve({}).streamName).toBe('pfm-readings-1700000000000');
    expect(resolve({ streamName: 'mine' }).streamName).toBe('mine');
  });
});
