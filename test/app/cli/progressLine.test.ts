import { describe, expect, it } from 'vitest';
import { progressLine } from '../../../app/cli/progressLine.js';
import type { PipelineProgress } from '../../../app/pipeline/localPipeline.js';
import { snapshot } from '../dashboard/fixtures.js';

const progress = (overrides: Partial<PipelineProgress> = {}): PipelineProgress => ({
  elapsedMs: 12_345,
  produced: 19_000,
  scored: 12_345,
  quarantined: 12,
  deadLettered: 0,
  predictedFailures: 456,
  recordsPerSecond: 1761.4,
  lagRecords: 6_643,
  lagMs: 3_400,
  total: 19_213,
  drift: snapshot({ windows: { evaluated: 4, windowRecords: 1000, openRecords: 0, lastWindow: null } }),
  done: false,
  ...overrides,
});

describe('progress line', () => {
  it('shows every part when it has room (not a terminal): counts, rate, lag in records and time, drift', () => {
    const line = progressLine(progress());
    expect(line).toBe(
      ' 12.3s  64% | in 19,000/19,213 | scored 12,345 | quarantined 12 | dead-letter 0 | 1,761 rec/s | lag 6,643 rec, 3.4 s | alarms 456 | drift DRIFT (4 windows, 1 events)',
    );
  });

  it.each([200, 120, 100, 80, 60, 40, 20])('fits %i columns, keeping the most important parts', (width) => {
    const line = progressLine(progress(), width);
    expect(line.length).toBeLessThanOrEqual(width);
    expect(line).toContain('12.3s');
    if (width >= 40) expect(line).toContain('scored 12,345');
    if (width >= 80) expect(line).toContain('lag 6,643 rec, 3.4 s');
  });

  it('keeps reading order whatever it drops', () => {
    const line = progressLine(progress(), 60);
    const order = ['12.3s', 'scored', 'rec/s'].map((p) => line.indexOf(p));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(order.every((i) => i >= 0)).toBe(true);
  });

  it('has no percentage without a count (a live run)', () => {
    expect(progressLine(progress({ total: undefined }))).toMatch(/^ 12\.3s \| in 19,000 \|/);
  });
});
