import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PfmError } from '../../../kernel/errors.js';
import { type DuckDbStore, openDuckDbStore } from '../../../processors/store/openDuckDbStore.js';
import { drift, fleetRows, quarantined, RANGE, T0 } from './fixtures.js';

let dir: string;
let store: DuckDbStore;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pfm-agent-queries-'));
  const writer = await openDuckDbStore(join(dir, 'pfm.duckdb'));
  await writer.predictionSink.writePredictions(fleetRows());
  await writer.quarantineSink.quarantine([
    quarantined(1, T0 + 1000, 'M-0002'),
    quarantined(2, T0 + 2000, 'M-0002'),
    quarantined(3, T0 + 3000, null),
    quarantined(4, T0 + 7_200_000, 'M-0002'),
  ]);
  await writer.driftScores.writeDriftScores([
    drift('fleet', 'torque_nm', T0 + 60_000, 0.05, 'OK'),
    drift('fleet', 'tool_wear_min', T0 + 60_000, 0.02, 'OK'),
    drift('fleet', 'torque_nm', T0 + 120_000, 0.31, 'WARN'),
    drift('fleet', 'tool_wear_min', T0 + 120_000, 0.04, 'WARN'),
    drift('fleet', 'air_temperature_k', T0 + 120_000, 0.12, 'WARN'),
    drift('quality:M', 'torque_nm', T0 + 120_000, 0.5, 'DRIFT'),
  ]);
  await writer.close();
  store = await openDuckDbStore(join(dir, 'pfm.duckdb'), { readOnly: true });
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('DuckDbStore period queries', () => {
  it('spans the whole table', async () => {
    expect(await store.periodQueries.dataSpan()).toEqual({ predictions: 90, first: T0, last: T0 + 29_000 });
  });

  it('summarizes the fleet over a range, quarantine by when it was received', async () => {
    const s = await store.periodQueries.fleetSummary(RANGE);
    expect(s).toMatchObject({
      predictions: 90,
      devices: 3,
      predictedFailures: 20,
      devicesWithFailures: 2,
      predictedByMode: { TWF: 0, HDF: 0, PWF: 10, OSF: 10, RNF: 0 },
      first: T0,
      last: T0 + 29_000,
      modelVersions: ['abc123def456'],
      quarantined: 3,
      quarantinedByCode: { NON_FINITE: 2, OUT_OF_RANGE: 1 },
    });
    expect(s.meanRisk).toBeCloseTo((30 * 0.05 + 20 * 0.1 + 10 * 0.9 + 30 * 0.4) / 90, 9);
    expect(s.readingMeans?.torqueNm).toBeCloseTo((30 * 40 + 20 * 40 + 10 * 62 + 30 * 65) / 90, 9);
    expect(s.readingSds?.torqueNm).toBeGreaterThan(0);
  });

  it('gives an empty range zeros and nulls', async () => {
    const s = await store.periodQueries.fleetSummary({ from: T0 - 7_200_000, to: T0 - 1 });
    expect(s).toMatchObject({
      predictions: 0,
      devices: 0,
      meanRisk: null,
      first: null,
      readingMeans: null,
      modelVersions: [],
    });
  });

  it('ranks machines by recent risk, over the window asked, at most `limit`', async () => {
    const top = await store.periodQueries.riskRanking({ range: RANGE, limit: 10, window: 10 });
    expect(top.map((m) => m.deviceId)).toEqual(['M-0002', 'M-0003', 'M-0001']);
    expect(top[0]).toMatchObject({
      qualityType: 'M',
      readings: 30,
      predictedFailures: 10,
      predictedByMode: { OSF: 10 },
      firstSeen: T0,
      lastSeen: T0 + 29_000,
      latest: { toolWearMin: 219, torqueNm: 62, predictedModes: ['OSF'], time: T0 + 29_000 },
    });
    expect(top[0]?.recentRisk).toBeCloseTo(0.9, 9);
    expect(top[0]?.meanRisk).toBeCloseTo((20 * 0.1 + 10 * 0.9) / 30, 9);
    expect(top[0]?.recentModeRisk.OSF).toBeCloseTo(0.88, 9);
    expect(top[0]?.recentMeans.torqueNm).toBeCloseTo(62, 9);
    // Over the last 30 readings M-0002's risk is 0.367: M-0003 (0.4) leads.
    const wide = await store.periodQueries.riskRanking({ range: RANGE, limit: 1, window: 30 });
    expect(wide.map((m) => m.deviceId)).toEqual(['M-0003']);
  });

  it('ranks by one mode when asked', async () => {
    const pwf = await store.periodQueries.riskRanking({ range: RANGE, limit: 2, window: 20, mode: 'PWF' });
    expect(pwf.map((m) => m.deviceId)).toEqual(['M-0003', 'M-0001']);
    expect(pwf[0]?.recentModeRisk.PWF).toBeCloseTo(0.38, 9);
    const osf = await store.periodQueries.riskRanking({ range: RANGE, limit: 1, window: 20, mode: 'OSF' });
    expect(osf.map((m) => m.deviceId)).toEqual(['M-0002']);
  });

  it("returns one machine's summary, latest readings and alarms, newest first, at most `limit`", async () => {
    const h = await store.periodQueries.machineHistory({
      deviceId: 'M-0002',
      range: RANGE,
      limit: 4,
      window: 10,
    });
    expect(h.summary?.deviceId).toBe('M-0002');
    expect(h.recent.map((r) => r.readingSequence)).toEqual([29, 28, 27, 26]);
    expect(h.alarms).toHaveLength(4);
    expect(h.alarms.every((a) => a.failure && a.predictedModes.includes('OSF'))).toBe(true);
    expect(h.recent[0]).toMatchObject({
      time: T0 + 29_000,
      modelVersion: 'abc123def456',
      readings: { torqueNm: 62 },
    });
    expect(h.quarantinedByCode).toEqual({ OUT_OF_RANGE: 1, NON_FINITE: 1 });
    const calm = await store.periodQueries.machineHistory({
      deviceId: 'M-0001',
      range: RANGE,
      limit: 50,
      window: 10,
    });
    expect(calm.recent).toHaveLength(30);
    expect(calm.alarms).toEqual([]);
    const unknown = await store.periodQueries.machineHistory({
      deviceId: 'M-9999',
      range: RANGE,
      limit: 5,
      window: 10,
    });
    expect(unknown).toEqual({
      deviceId: 'M-9999',
      summary: null,
      recent: [],
      alarms: [],
      quarantinedByCode: {},
    });
  });

  it("reports each scope's latest window, its features by PSI, and windows by state", async () => {
    const d = await store.periodQueries.driftStatus({ range: RANGE, features: 2 });
    expect(d.available).toBe(true);
    expect(d.scopes.map((s) => [s.scope, s.state, s.windowEnd])).toEqual([
      ['fleet', 'WARN', T0 + 120_000],
      ['quality:M', 'DRIFT', T0 + 120_000],
    ]);
    expect(d.scopes[0]?.features.map((f) => f.feature)).toEqual(['torque_nm', 'air_temperature_k']);
    expect(d.scopes[0]?.features[0]).toMatchObject({
      psi: 0.31,
      meanShift: 0.62,
      varianceRatio: 1.1,
      breached: true,
    });
    expect(d.windowsByState).toEqual({ OK: 1, WARN: 1, DRIFT: 1 });
  });

  it.each([
    ['limit 10000', () => store.periodQueries.riskRanking({ range: RANGE, limit: 10_000, window: 10 })],
    ['window 0', () => store.periodQueries.riskRanking({ range: RANGE, limit: 5, window: 0 })],
    [
      'a mode that is not one',
      () => store.periodQueries.riskRanking({ range: RANGE, limit: 5, window: 5, mode: 'X' as 'OSF' }),
    ],
    ['a reversed range', () => store.periodQueries.fleetSummary({ from: RANGE.to, to: RANGE.from })],
    [
      'a range of two years',
      () => store.periodQueries.fleetSummary({ from: T0 - 2 * 366 * 86_400_000, to: T0 }),
    ],
    [
      'a device id carrying SQL',
      () =>
        store.periodQueries.machineHistory({
          deviceId: "M-0001' OR '1'='1",
          range: RANGE,
          limit: 5,
          window: 5,
        }),
    ],
  ])('refuses %s at the port, whatever the caller checked', async (_name, run) => {
    await expect(run()).rejects.toMatchObject({ code: 'INVALID_TOOL_INPUT' });
    await expect(run()).rejects.toBeInstanceOf(PfmError);
    expect((await store.periodQueries.dataSpan()).predictions).toBe(90);
  });

  it('is read-only when opened so', async () => {
    await expect(store.database.query('DELETE FROM predictions')).rejects.toThrow(/read-only/);
  });
});

describe('DuckDbStore drift status without a drift table', () => {
  it('says the scores are unavailable', async () => {
    const path = join(dir, 'old.duckdb');
    const writer = await openDuckDbStore(path);
    await writer.database.query('DROP TABLE drift_scores');
    await writer.close();
    const reader = await openDuckDbStore(path, { readOnly: true });
    try {
      const d = await reader.periodQueries.driftStatus({ range: RANGE, features: 3 });
      expect(d).toMatchObject({ available: false, scopes: [], windowsByState: { OK: 0, WARN: 0, DRIFT: 0 } });
      expect(d.unavailableReason).toMatch(/no drift_scores table/);
    } finally {
      await reader.close();
    }
  });
});
