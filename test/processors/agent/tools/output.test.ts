import { describe, expect, it } from 'vitest';
import type { ResolvedPeriod } from '../../../../processors/agent/periods.js';
import {
  describeEmptyPeriod,
  fleetBaseline,
  readingsOut,
  round,
} from '../../../../processors/agent/tools/output.js';
import type { DataSpan, FleetPeriodSummary } from '../../../../processors/store/types.js';
import { fakeQueries } from './fakeQueries.js';

describe('agent tool output', () => {
  it.each([
    { x: 0.123456, digits: 3, expected: 0.123 },
    { x: 0.1235, digits: 3, expected: 0.124 },
    { x: 1499.5, digits: 0, expected: 1500 },
    { x: -2.25, digits: 1, expected: -2.2 },
    { x: 7, digits: 2, expected: 7 },
    { x: Number.NaN, digits: 3, expected: Number.NaN },
    { x: Number.POSITIVE_INFINITY, digits: 3, expected: Number.POSITIVE_INFINITY },
  ])('round($x, $digits) = $expected', ({ x, digits, expected }) => {
    expect(round(x, digits)).toBe(expected);
  });

  it('rounds each reading to its own precision', () => {
    expect(
      readingsOut({
        airTemperatureK: 300.149,
        processTemperatureK: 310.051,
        rotationalSpeedRpm: 1499.6,
        torqueNm: 40.04,
        toolWearMin: 99.4,
      }),
    ).toEqual({
      airTemperatureK: 300.1,
      processTemperatureK: 310.1,
      rotationalSpeedRpm: 1500,
      torqueNm: 40,
      toolWearMin: 99,
    });
  });

  it('has a fleet baseline only when the store gives both means and spreads', () => {
    const means = {
      airTemperatureK: 300,
      processTemperatureK: 310,
      rotationalSpeedRpm: 1500,
      torqueNm: 40,
      toolWearMin: 100,
    };
    const sds = { ...means, torqueNm: 10 };
    const summary = (readingMeans: typeof means | null, readingSds: typeof sds | null) =>
      ({ readingMeans, readingSds }) as FleetPeriodSummary;
    expect(fleetBaseline(summary(means, sds))).toEqual({ means, sds });
    expect(fleetBaseline(summary(means, null))).toBeNull();
    expect(fleetBaseline(summary(null, sds))).toBeNull();
  });

  const period: ResolvedPeriod = {
    name: 'yesterday',
    range: { from: Date.UTC(2026, 0, 6), to: Date.UTC(2026, 0, 7) },
  };
  it.each<{ name: string; span: DataSpan; store: unknown; note: RegExp }>([
    {
      name: 'an empty store says the pipeline may not have run',
      span: { predictions: 0, first: null, last: null },
      store: { predictions: 0, first: null, last: null },
      note: /^The store holds no predictions yet: has the pipeline run\?$/,
    },
    {
      name: 'a period that misses the data says where the data is',
      span: { predictions: 42, first: Date.UTC(2025, 11, 1), last: Date.UTC(2025, 11, 2) },
      store: { predictions: 42, first: '2025-12-01T00:00:00.000Z', last: '2025-12-02T00:00:00.000Z' },
      note: /^No alarms in yesterday \(2026-01-06T00:00:00\.000Z to 2026-01-07T00:00:00\.000Z\); the store holds 42 predictions from 2025-12-01T00:00:00\.000Z to 2025-12-02T00:00:00\.000Z\.$/,
    },
  ])('empty period: $name', async ({ span, store, note }) => {
    const r = await describeEmptyPeriod(fakeQueries({ dataSpan: async () => span }), 'alarms', period);
    expect(r.store).toEqual(store);
    expect(r.note).toMatch(note);
  });
});
