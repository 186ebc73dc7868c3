import { describe, expect, it } from 'vitest';
import { machineHistory } from '../../../../processors/agent/tools/machineHistory.js';
import type {
  FleetPeriodSummary,
  MachineHistory,
  MachinePeriodRisk,
  PredictionRecord,
} from '../../../../processors/store/types.js';
import { fakeQueries } from './fakeQueries.js';

const NOW = Date.UTC(2026, 0, 7, 12);
const READINGS = {
  airTemperatureK: 300.04,
  processTemperatureK: 310.06,
  rotationalSpeedRpm: 1400.4,
  torqueNm: 66.04,
  toolWearMin: 210.4,
};

function record(i: number, failure: boolean): PredictionRecord {
  return {
    time: NOW - i * 1000,
    deviceId: 'M-0002',
    qualityType: 'M',
    firmware: 'fw-2.4.1',
    modelVersion: 'abc123def456',
    readingSequence: 100 - i,
    probabilities: { TWF: 0.0104, HDF: 0.0206, PWF: 0.3004, OSF: 0.8806, RNF: 0.0004 },
    risk: 0.91234,
    failure,
    predictedModes: failure ? ['OSF'] : [],
    readings: READINGS,
  };
}

const SUMMARY: MachinePeriodRisk = {
  deviceId: 'M-0002',
  qualityType: 'M',
  firmware: 'fw-2.4.1',
  readings: 30,
  firstSeen: NOW - 30_000,
  lastSeen: NOW,
  recentRisk: 0.91,
  meanRisk: 0.4,
  peakRisk: 0.97,
  predictedFailures: 6,
  predictedByMode: { TWF: 0, HDF: 0, PWF: 0, OSF: 6, RNF: 0 },
  recentModeRisk: { TWF: 0.01, HDF: 0.02, PWF: 0.3, OSF: 0.88, RNF: 0 },
  recentMeans: { ...READINGS, torqueNm: 65 },
  latest: { ...READINGS, time: NOW, risk: 0.97, predictedModes: ['OSF'] },
};

function fleet(withSpreads: boolean): FleetPeriodSummary {
  const means = {
    airTemperatureK: 300,
    processTemperatureK: 310,
    rotationalSpeedRpm: 1500,
    torqueNm: 40,
    toolWearMin: 100,
  };
  return {
    predictions: 90,
    devices: 3,
    predictedFailures: 6,
    devicesWithFailures: 1,
    predictedByMode: { TWF: 0, HDF: 0, PWF: 0, OSF: 6, RNF: 0 },
    meanRisk: 0.2,
    first: NOW - 30_000,
    last: NOW,
    readingMeans: means,
    readingSds: withSpreads ? { ...means, torqueNm: 10, toolWearMin: 60 } : null,
    modelVersions: ['abc123def456'],
    quarantined: 0,
    quarantinedByCode: {},
  };
}

describe('machine_history tool', () => {
  const history: MachineHistory = {
    deviceId: 'M-0002',
    summary: SUMMARY,
    recent: Array.from({ length: 6 }, (_, i) => record(i, i % 2 === 0)),
    alarms: Array.from({ length: 5 }, (_, i) => record(i * 2, true)),
    quarantinedByCode: { OUT_OF_RANGE: 2 },
  };
  const tool = (withSpreads: boolean, raw: unknown) =>
    machineHistory(
      {
        queries: fakeQueries({
          machineHistory: async () => history,
          fleetSummary: async () => fleet(withSpreads),
        }),
        now: () => NOW,
      },
      raw,
    );

  it('a known machine: its summary, and recent predictions and alarms capped at the limit, rounded', async () => {
    const r = await tool(true, { machine_id: 'M-0002', limit: 3 });
    expect(r.found).toBe(true);
    expect(r.note).toBeUndefined();
    expect(r.store).toBeUndefined();
    expect(r.recent).toHaveLength(3);
    expect(r.alarms).toHaveLength(3);
    expect(r.recent.map((p) => p.alarm)).toEqual([true, false, true]);
    expect(r.alarms.map((p) => p.time)).toEqual([
      new Date(NOW).toISOString(),
      new Date(NOW - 2000).toISOString(),
      new Date(NOW - 4000).toISOString(),
    ]);
    expect(r.recent[1]).toEqual({
      time: new Date(NOW - 1000).toISOString(),
      risk: 0.912,
      alarm: false,
      predictedModes: [],
      modeProbabilities: { TWF: 0.01, HDF: 0.021, PWF: 0.3, OSF: 0.881, RNF: 0 },
      airTemperatureK: 300,
      processTemperatureK: 310.1,
      rotationalSpeedRpm: 1400,
      torqueNm: 66,
      toolWearMin: 210,
    });
    expect(r.quarantinedByCode).toEqual({ OUT_OF_RANGE: 2 });
    expect(r.summary).toMatchObject({ machine: 'M-0002', leadingMode: 'OSF', alarms: 6 });
  });

  it.each([
    { withSpreads: true, fleetDriver: true },
    { withSpreads: false, fleetDriver: false },
  ])('compares the machine with the fleet only when the fleet has spreads ($withSpreads)', async (c) => {
    const r = await tool(c.withSpreads, { machine_id: 'M-0002' });
    const drivers = r.summary?.drivers ?? [];
    expect(drivers.some((d) => d.startsWith('OSF:'))).toBe(true);
    expect(drivers.some((d) => d.includes("above the fleet's"))).toBe(c.fleetDriver);
  });
});
