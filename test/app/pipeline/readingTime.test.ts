import { describe, expect, it } from 'vitest';
import { planReadingTime } from '../../../app/pipeline/readingTime.js';
import { createSimulator } from '../../../stream/simulator/Simulator.js';

const NOW = Date.UTC(2026, 0, 5, 12);
const HOUR = 3_600_000;
const fleet = { machines: 50, seed: 42, intervalMs: 5 * 60_000, maxIntervalMs: 10 * 60_000 };

describe('reading time of a run', () => {
  it('covers the span asked, ending now, with every reading the fleet makes in it', () => {
    const plan = planReadingTime(fleet, { now: NOW, spanMs: 48 * HOUR });
    expect(plan.start).toBe(NOW - 48 * HOUR);
    expect(plan.end).toBe(NOW);
    const readings = createSimulator({ ...fleet, startTime: plan.start }).take((plan.readings ?? 0) + 1);
    expect(readings[(plan.readings ?? 0) - 1]?.reading.timestamp).toBeLessThanOrEqual(NOW);
    expect(readings[plan.readings ?? 0]?.reading.timestamp).toBeGreaterThan(NOW);
    // 50 machines each every 5-10 min: about 50 x 48 h / 7.5 min.
    expect(plan.readings).toBeGreaterThan(17_000);
    expect(plan.readings).toBeLessThan(22_000);
  });

  it('ends a counted run now: its last reading is stamped now', () => {
    const plan = planReadingTime(fleet, { now: NOW, records: 500 });
    expect(plan).toMatchObject({ end: NOW, readings: 500 });
    const readings = createSimulator({ ...fleet, startTime: plan.start }).take(500);
    expect(readings[499]?.reading.timestamp).toBe(NOW);
  });

  it('goes on live after back-filling the span, with no end and no count', () => {
    expect(planReadingTime(fleet, { now: NOW, spanMs: HOUR, live: true })).toEqual({
      start: NOW - HOUR,
      end: undefined,
      readings: undefined,
    });
  });
});
