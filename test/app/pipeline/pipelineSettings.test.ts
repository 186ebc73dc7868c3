import { describe, expect, it } from 'vitest';
import { resolvePipelineSettings } from '../../../app/pipeline/pipelineSettings.js';
import type { LocalPipelineOptions } from '../../../app/pipeline/types.js';
import { createSimulator } from '../../../stream/simulator/Simulator.js';

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
  it.each([{ rate: -5 }, { rate: Number.NaN }])('refuses a rate of $rate', ({ rate }) => {
    expect(() => resolve({ rate })).toThrow('rate must be a number >= 0');
  });

  it('ends a counted run now by default: its last reading is stamped with the clock', () => {
    const now = 1_700_000_000_000;
    const time = resolve({ records: 1000, rate: 0, machines: 50 }).time;
    expect(time).toMatchObject({ end: now, readings: 1000 });
    // 50 machines reading every second: 1,000 readings are 20 per machine, about 20 s of reading time.
    const readings = createSimulator({
      machines: 50,
      seed: 42,
      startTime: time.start,
      intervalMs: 1000,
    }).take(1000);
    expect(readings[999]?.reading.timestamp).toBe(now);
    expect(now - time.start).toBeGreaterThan(19_000);
    expect(now - time.start).toBeLessThan(20_000);
  });

  it('runs a run without a count live, from now', () => {
    expect(resolve({ records: undefined, rate: 0 }).time).toEqual({
      start: 1_700_000_000_000,
      end: undefined,
      readings: undefined,
    });
  });

  it('keeps a start time it is given', () => {
    const time = resolve({ records: 50, rate: 0, machines: 50, startTime: 5_000 }).time;
    expect(time.start).toBe(5_000);
    expect(time.readings).toBe(50);
    expect(time.end).toBeLessThan(5_000 + 1000);
  });

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
