import { describe, expect, it } from 'vitest';
import { PfmError } from '../../../kernel/errors.js';
import { createForecastCore } from '../../../processors/forecast/core.js';
import type {
  ForecastSettings,
  MachineForecast,
  MachineHistory,
  MachineWithoutForecast,
} from '../../../processors/forecast/types.js';
import {
  type FakeRules,
  fakeModel,
  fakeScorer,
  HOUR,
  identityCalibration,
  MINUTE,
  machineHistory,
  testSettings,
} from './fixtures.js';

async function forecast(
  histories: MachineHistory[],
  rules: FakeRules,
  settings: Partial<ForecastSettings> = {},
) {
  const scorer = fakeScorer(rules);
  const core = createForecastCore({
    scorer,
    model: fakeModel,
    calibration: identityCalibration,
    settings: { ...testSettings, ...settings },
    now: () => 42,
  });
  return { result: await core.forecast(histories), scorer };
}

function ok(m: MachineForecast | MachineWithoutForecast | undefined): MachineForecast {
  if (m?.status !== 'ok') throw new Error(`expected a forecast, got ${JSON.stringify(m)}`);
  return m;
}

describe('forecast core on hand-built histories', () => {
  it('a machine with a known wear rate is due when its wear reaches the failing wear, as the arithmetic says', async () => {
    // 41 readings 3 min apart, +2 min of wear each: 40 min of wear per hour, 100 at the last reading.
    const history = machineHistory({ readings: 41, startWear: 20, wearPerReading: 2 });
    const { result } = await forecast([history], { twfWear: 180 });
    const m = ok(result.machines[0]);
    expect(m.learned.paceMs).toBe(3 * MINUTE);
    expect(m.learned.wearPerHour).toBeCloseTo(40, 9);
    expect(m.learned.toolWearMin).toBe(100);
    // (180 - 100) / 40 per hour = 2 h after the last reading; the due time is resolved within one 1-min step.
    expect(m.dueAt).not.toBeNull();
    expect(Math.abs((m.dueAt as number) - (m.asOf + 2 * HOUR))).toBeLessThanOrEqual(MINUTE);
    expect(m.leadingMode).toBe('TWF');
    expect(m.expectedTimeToFailureMs).toBeGreaterThan(2 * HOUR - MINUTE);
    expect(m.expectedTimeToFailureMs).toBeLessThan(2 * HOUR + 2 * MINUTE);
    expect(m.horizons.find((h) => h.horizonMs === HOUR)?.forecastable).toBe(0);
    expect(m.horizons.find((h) => h.horizonMs === 8 * HOUR)?.forecastable).toBe(1);
    expect(m.beyondHorizon).toBe(0);
  });

  it('a tool reset in the history moves the due time by the wear it took off', async () => {
    const worn = machineHistory({ readings: 61, startWear: 40, wearPerReading: 2 });
    // Same machine, but its tool was replaced at 200 min ten readings before the end: wear 18 now.
    const reset = machineHistory({ readings: 61, startWear: 100, wearPerReading: 2, replaceAt: 200 });
    expect(worn.readings.at(-1)?.toolWearMin).toBe(160);
    expect(reset.readings.at(-1)?.toolWearMin).toBe(18);
    const { result } = await forecast(
      [
        { ...worn, deviceId: 'M-0001' },
        { ...reset, deviceId: 'M-0002' },
      ],
      { twfWear: 180 },
    );
    const a = ok(result.machines.find((m) => m.deviceId === 'M-0001'));
    const b = ok(result.machines.find((m) => m.deviceId === 'M-0002'));
    expect(b.learned.toolReplacementsSeen).toBe(1);
    expect(Math.abs((a.dueAt as number) - (a.asOf + 0.5 * HOUR))).toBeLessThanOrEqual(MINUTE);
    expect(Math.abs((b.dueAt as number) - (b.asOf + (162 / 40) * HOUR))).toBeLessThanOrEqual(MINUTE);
    // Ranked by due time: the worn tool first.
    expect(result.machines.map((m) => m.deviceId)).toEqual(['M-0001', 'M-0002']);
  });

  it('"replace the tool now" re-runs the projection from a fresh tool and is recommended', async () => {
    // Three tools seen replaced at 100 (life 102 with one reading's wear), the fourth at 88 now.
    const history = machineHistory({ readings: 198, startWear: 0, wearPerReading: 2, replaceAt: 100 });
    const last = history.readings.at(-1)?.toolWearMin as number;
    expect(last).toBe(88);
    const { result } = await forecast([history], { twfWear: 95 });
    const m = ok(result.machines[0]);
    expect(m.learned.toolReplacementsSeen).toBeGreaterThanOrEqual(3);
    expect(m.learned.toolLifeFrom).toBe('machine');
    expect(Math.abs((m.dueAt as number) - (m.asOf + ((95 - last) / 40) * HOUR))).toBeLessThanOrEqual(MINUTE);
    const replace = m.actions.find((a) => a.action === 'replace_tool');
    // A fresh tool reaches 95 min of wear after 95 / 40 h.
    expect(Math.abs((replace?.dueAt as number) - (m.asOf + (95 / 40) * HOUR))).toBeLessThanOrEqual(MINUTE);
    expect(m.recommendation?.action).toBe('replace_tool');
    expect(m.recommendation?.expectedTimeToFailureMs).toBeGreaterThan(m.expectedTimeToFailureMs);
  });

  it('"lower the load" re-runs the projection with less torque, moving an overstrain failure out', async () => {
    const history = machineHistory({ readings: 41, startWear: 20, wearPerReading: 2, torques: [40] });
    // Overstrain at wear x torque >= 8000: wear 200 at 40 Nm (2.5 h away), wear 250 at 32 Nm (3.75 h away).
    const { result } = await forecast([history], { osfStrain: 8000 });
    const m = ok(result.machines[0]);
    expect(m.leadingMode).toBe('OSF');
    expect(Math.abs((m.dueAt as number) - (m.asOf + 2.5 * HOUR))).toBeLessThanOrEqual(MINUTE);
    const lower = m.actions.find((a) => a.action === 'reduce_load');
    expect(lower?.description).toContain('-20 %');
    expect(Math.abs((lower?.dueAt as number) - (m.asOf + 3.75 * HOUR))).toBeLessThanOrEqual(MINUTE);
  });

  it('a mode that strikes at a steady rate is reported per horizon but does not make a machine due', async () => {
    const history = machineHistory({ readings: 41, startWear: 20 });
    const { result } = await forecast([history], { pwf: 0.01 });
    const m = ok(result.machines[0]);
    // One process every 3 min: 20 processes in an hour, each failing with probability 0.01.
    const hour = m.horizons.find((h) => h.horizonMs === HOUR);
    // (0.01 travels as float32 through the scorer: 7 digits.)
    expect(hour?.byMode.PWF).toBeCloseTo(1 - 0.99 ** 20, 7);
    expect(hour?.any).toBeCloseTo(1 - 0.99 ** 20, 7);
    expect(hour?.forecastable).toBe(0);
    expect(m.dueAt).toBeNull();
    expect(m.leadingMode).toBeNull();
    expect(m.recommendation).toBeNull();
    expect(result.modes.find((n) => n.mode === 'PWF')?.forecastable).toBe(false);
  });

  it('a machine without history gets "not enough data", not a number', async () => {
    const { result } = await forecast(
      [
        { deviceId: 'M-0003', readings: [] },
        machineHistory({ deviceId: 'M-0002', readings: 10 }),
        machineHistory({ deviceId: 'M-0001', readings: 41, startWear: 20 }),
      ],
      { twfWear: 180 },
    );
    expect(result.machines.map((m) => [m.deviceId, m.status])).toEqual([
      ['M-0001', 'ok'],
      ['M-0002', 'not_enough_data'],
      ['M-0003', 'not_enough_data'],
    ]);
    const none = result.machines[2] as MachineWithoutForecast;
    expect(none.reason).toMatch(/no readings/);
    expect(none).not.toHaveProperty('dueAt');
    expect((result.machines[1] as MachineWithoutForecast).reason).toMatch(
      /only 10 reading\(s\).*at least 30/,
    );
  });

  it('scores the whole fleet in one scorer run when the chunk holds every projected reading', async () => {
    const fleet = [1, 2, 3].map((i) => machineHistory({ deviceId: `M-000${i}`, readings: 41 }));
    const perMachine =
      testSettings.paths * testSettings.drawsPerPath * (testSettings.horizonMs / testSettings.stepMs);
    const one = await forecast(fleet, {}, { chunkRows: 10 * perMachine, actions: false });
    expect(one.scorer.runs).toBe(1);
    expect(one.scorer.rows).toBe(3 * perMachine);
    expect(one.result.rowsScored).toBe(3 * perMachine);
    // With both actions: 3 scenarios x 3 machines in runs of whole machine blocks.
    const chunked = await forecast(fleet, {}, { chunkRows: 2 * perMachine, actions: true });
    expect(chunked.scorer.runs).toBe(5);
    expect(chunked.scorer.rows).toBe(9 * perMachine);
  });

  it('refuses a calibration fitted for another model, and settings that do not fit together', () => {
    const base = { scorer: fakeScorer({}), model: fakeModel, settings: testSettings, now: () => 0 };
    const mismatch = () =>
      createForecastCore({ ...base, calibration: { ...identityCalibration, modelSha256: 'a'.repeat(64) } });
    expect(mismatch).toThrow(PfmError);
    expect(mismatch).toThrow(/pfm forecast calibrate/);
    const bad = (settings: Partial<ForecastSettings>) => () =>
      createForecastCore({
        ...base,
        calibration: identityCalibration,
        settings: { ...testSettings, ...settings },
      });
    expect(bad({ horizonMs: 8 * HOUR + 1 })).toThrow(/multiple of stepMs/);
    expect(bad({ dueLevel: 1 })).toThrow(/dueLevel/);
    expect(bad({ releaseLevel: 0.9 })).toThrow(/releaseLevel/);
    expect(bad({ reportHorizonsMs: [9 * HOUR] })).toThrow(/report horizon/);
  });
});
