import { afterEach, describe, expect, it } from 'vitest';
import { type DuckDbStore, openDuckDbStore } from '../../../processors/store/openDuckDbStore.js';
import { makePrediction } from '../../fixtures/predictions.js';
import { driftRow, T0 } from './fixtures.js';

// The FleetQueries methods the dashboard reads (machineSeries, fleetTimeline, driftHistory) on the DuckDB store.

const stores: DuckDbStore[] = [];
async function memoryStore(): Promise<DuckDbStore> {
  const store = await openDuckDbStore(':memory:');
  stores.push(store);
  return store;
}
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

describe('DuckDbStore.machineSeries', () => {
  it("returns one machine's latest predictions, oldest first, with probabilities and readings", async () => {
    const store = await memoryStore();
    await store.predictionSink.writePredictions([
      ...Array.from({ length: 10 }, (_, i) =>
        makePrediction(i, {
          anyFailureProbability: i / 10,
          torqueNm: 40 + i,
          failure: i === 9,
          predictedModes: i === 9 ? ['OSF'] : [],
        }),
      ),
      makePrediction(100, { deviceId: 'M-0002' }),
    ]);
    const series = await store.fleetQueries.machineSeries({ deviceId: 'M-0001', limit: 3 });
    expect(
      series.map((p) => [p.time - Date.UTC(2024, 0, 15), p.risk, p.readings.torqueNm, p.failure]),
    ).toEqual([
      [7000, 0.7, 47, false],
      [8000, 0.8, 48, false],
      [9000, 0.9, 49, true],
    ]);
    expect(series[0]?.probabilities).toEqual({ TWF: 0.01, HDF: 0.02, PWF: 0.03, OSF: 0.04, RNF: 0.001 });
    expect(series[0]?.readings).toEqual({
      airTemperatureK: 300,
      processTemperatureK: 310,
      rotationalSpeedRpm: 1500,
      torqueNm: 47,
      toolWearMin: 100,
    });
    expect(await store.fleetQueries.machineSeries({ deviceId: 'M-0404', limit: 3 })).toEqual([]);
  });

  it.each([
    [{ deviceId: "M-1'; DROP TABLE predictions; --", limit: 3 }],
    [{ deviceId: 'M-0001', limit: 0 }],
    [{ deviceId: 'M-0001', limit: 1.5 }],
  ])('refuses bad input %j', async (options) => {
    const store = await memoryStore();
    await expect(store.fleetQueries.machineSeries(options)).rejects.toMatchObject({
      code: 'INVALID_TOOL_INPUT',
    });
  });
});

describe('DuckDbStore.fleetTimeline', () => {
  it('cuts the span into equal buckets, leaving empty ones out', async () => {
    const store = await memoryStore();
    // Readings at 0..9 s and 30..39 s: with 4 buckets over [0, 39.001 s), buckets 0 and 3 hold them.
    const rows = [
      ...Array.from({ length: 10 }, (_, i) => i),
      ...Array.from({ length: 10 }, (_, i) => 30 + i),
    ].map((s) =>
      makePrediction(s, {
        deviceId: s % 2 === 0 ? 'M-0001' : 'M-0002',
        anyFailureProbability: s < 30 ? 0.1 : 0.5,
        failure: s === 35 || s === 36,
        predictedModes: s === 35 ? ['OSF', 'PWF'] : s === 36 ? ['OSF'] : [],
      }),
    );
    await store.predictionSink.writePredictions(rows);
    const buckets = await store.fleetQueries.fleetTimeline({ buckets: 4 });
    const base = Date.UTC(2024, 0, 15);
    expect(buckets).toHaveLength(2);
    expect(buckets[0]).toMatchObject({ start: base, predictions: 10, devices: 2, alarms: 0 });
    expect(buckets[0]?.meanRisk).toBeCloseTo(0.1, 9);
    expect(buckets[1]).toMatchObject({
      predictions: 10,
      alarms: 2,
      alarmsByMode: { TWF: 0, HDF: 0, PWF: 1, OSF: 2, RNF: 0 },
      peakRisk: 0.5,
    });
    expect(buckets[1]?.start).toBeCloseTo(base + 3 * (39_001 / 4), 6);
    expect(buckets[1]?.end).toBeCloseTo(base + 39_001, 6);
    expect(await (await memoryStore()).fleetQueries.fleetTimeline({ buckets: 10 })).toEqual([]);
  });
});

describe('DuckDbStore.driftHistory', () => {
  it("returns a scope's latest windows, oldest first, and every scope's latest state", async () => {
    const store = await memoryStore();
    const rows = [0, 1, 2, 3].flatMap((w) => [
      driftRow(w, 'torque_nm', { state: w >= 2 ? 'DRIFT' : 'OK', breached: w >= 2 }),
      driftRow(w, 'tool_wear_min', { state: w >= 2 ? 'DRIFT' : 'OK' }),
      driftRow(w, 'torque_nm', { scope: 'quality:L', state: w === 3 ? 'WARN' : 'OK' }),
    ]);
    await store.driftScores.writeDriftScores(rows);
    const history = await store.fleetQueries.driftHistory({ scope: 'fleet', windows: 2 });
    expect(history.available).toBe(true);
    expect(history.scopes).toEqual([
      { scope: 'fleet', state: 'DRIFT', windowEnd: T0 + 40_000, windows: 4 },
      { scope: 'quality:L', state: 'WARN', windowEnd: T0 + 40_000, windows: 4 },
    ]);
    expect(history.rows.map((r) => [r.windowEnd - T0, r.feature, r.breached])).toEqual([
      [30_000, 'tool_wear_min', false],
      [30_000, 'torque_nm', true],
      [40_000, 'tool_wear_min', false],
      [40_000, 'torque_nm', true],
    ]);
    expect(history.rows[1]).toEqual(driftRow(2, 'torque_nm', { state: 'DRIFT', breached: true }));
  });

  it('is unavailable in a store the drift monitor never wrote (no drift table)', async () => {
    const store = await memoryStore();
    await store.database.query('DROP TABLE drift_scores');
    expect(await store.fleetQueries.driftHistory({ scope: 'fleet', windows: 5 })).toEqual({
      available: false,
      scopes: [],
      rows: [],
    });
  });
});
