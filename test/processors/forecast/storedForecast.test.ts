import { describe, expect, it } from 'vitest';
import { DEFAULT_FORECAST_SETTINGS } from '../../../processors/forecast/constants.js';
import { forecastFromRows, forecastPoints } from '../../../processors/forecast/storedForecast.js';
import type { FleetForecast, MachineForecast } from '../../../processors/forecast/types.js';
import { modeNote } from '../../../processors/forecast/wording.js';
import { FORECAST_SERIES, TIMESTREAM_LIMITS } from '../../../processors/sinks/constants.js';
import { pointProblem, type SeriesPoint } from '../../../processors/sinks/seriesPoints.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const RUN = Date.UTC(2026, 11, 5, 10, 0, 0);
const AS_OF = RUN - 7 * MIN + 0.25; // a fractional ms: stored truncated, as a Date holds it

/** A curve rising linearly by 0.01 per 10-minute step: its value at any stored point is known exactly. */
const curve = Array.from({ length: 48 }, (_, i) => ({
  time: AS_OF + (i + 1) * 10 * MIN,
  probability: (i + 1) * 0.01,
}));

const due: MachineForecast = {
  deviceId: 'M-0001',
  status: 'ok',
  qualityType: 'L',
  asOf: AS_OF,
  dueAt: AS_OF + 3 * HOUR + 0.5,
  noticeProbability: 0.62,
  leadingMode: 'TWF',
  horizons: [
    {
      horizonMs: HOUR,
      forecastable: 0.06,
      any: 0.07,
      byMode: { TWF: 0.05, HDF: 0.01, PWF: 0.004, OSF: 0, RNF: 0.001 },
    },
    {
      horizonMs: 8 * HOUR,
      forecastable: 0.48,
      any: 0.5,
      byMode: { TWF: 0.4, HDF: 0.03, PWF: 0.01, OSF: 0.06, RNF: 0.002 },
    },
  ],
  curve,
  expectedTimeToFailureMs: 250 * MIN,
  beyondHorizon: 0.52,
  recommendation: {
    action: 'replace_tool',
    description: 'ignored: rebuilt from the action and the settings',
    noticeProbability: 0.02,
    probability: 0.1,
    dueAt: null,
    expectedTimeToFailureMs: 400 * MIN,
  },
  actions: [],
  learned: {
    readings: 412,
    paceMs: 60_400.4,
    wearPerHour: 3.25,
    toolWearMin: 187,
    toolReplacementsSeen: 4,
    toolLifeFrom: 'machine',
    air: { level: 300.2, sdPerHour: 0.3, driftPerHour: 0.01, noiseSd: 0.1 },
    delta: { level: 9.8, sdPerHour: 0.2, driftPerHour: 0, noiseSd: 0.05 },
  },
};

const quiet: MachineForecast = {
  ...due,
  deviceId: 'M-0002',
  qualityType: 'H',
  dueAt: null,
  noticeProbability: 0.01,
  leadingMode: null,
  recommendation: null,
  learned: { ...due.learned, wearPerHour: Number.NaN, toolLifeFrom: 'none' },
};

const fleet: FleetForecast = {
  generatedAt: RUN,
  model: { name: 'ai4i-mlp', version: 'abc123def456' },
  settings: DEFAULT_FORECAST_SETTINGS,
  modes: [
    modeNote('TWF', true, 0.91, 10),
    modeNote('HDF', true, 0.78, 10),
    modeNote('PWF', false, 0.52, 10),
    modeNote('OSF', true, 0.88, 10),
    modeNote('RNF', false, Number.NaN, 10),
  ],
  machines: [
    quiet,
    due,
    { deviceId: 'M-0003', status: 'not_enough_data', readings: 3, reason: 'only 3 readings' },
  ],
  rowsScored: 2_460_000,
  scorerRuns: 76,
};

/** A point as a store's query returns it: time in epoch ms, dimensions and fields side by side. */
const asRow = (p: SeriesPoint): Record<string, unknown> => ({ time: p.time, ...p.dimensions, ...p.measures });

describe('storedForecast: a run as FORECAST_SERIES rows and back', () => {
  const points = forecastPoints(fleet, 10);

  it('writes one storable row per machine at the run time, small enough for a Timestream record', () => {
    expect(points).toHaveLength(3);
    for (const p of points) {
      expect(p.time).toBe(RUN);
      expect(pointProblem(p, FORECAST_SERIES)).toBeUndefined();
      // Names and values of the record: a generous upper bound of its size on the wire.
      const bytes = Object.entries({ ...p.dimensions, ...p.measures })
        .filter(([, v]) => v !== undefined)
        .reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(String(v)), 0);
      expect(bytes).toBeLessThan(TIMESTREAM_LIMITS.recordBytes);
    }
    const dueRow = points.find((p) => p.dimensions.device_id === 'M-0001')?.measures ?? {};
    expect(dueRow.mode_notes).toBe('TWF:1:0.910;HDF:1:0.780;PWF:0:0.520;OSF:1:0.880;RNF:0:nan');
    expect(dueRow.p_1h).toBeCloseTo(0.06, 12);
    expect(dueRow.p_30m).toBeCloseTo(0.03, 12);
    const quietRow = points.find((p) => p.dimensions.device_id === 'M-0002')?.measures ?? {};
    expect('due_at' in quietRow && quietRow.due_at !== undefined).toBe(false);
    expect(quietRow.wear_per_hour).toBeUndefined();
    expect(quietRow.recommended_action).toBeUndefined();
  });

  it('leaves out curve points beyond a shorter horizon', () => {
    const short = forecastPoints({ ...fleet, settings: { ...fleet.settings, horizonMs: 2 * HOUR } }, 10);
    const m = short.find((p) => p.dimensions.device_id === 'M-0001')?.measures ?? {};
    expect(m.p_2h).toBeDefined();
    expect(m.p_4h).toBeUndefined();
    expect(m.p_8h).toBeUndefined();
  });

  it('reads back exactly what the agent and the panels need; the curve and the walks are approximated', () => {
    // Rows come back in any order from a store.
    const back = forecastFromRows([...points].reverse().map(asRow));
    expect(back).not.toBeNull();
    if (back === null) return;
    expect(back.generatedAt).toBe(RUN);
    expect(back.model).toEqual(fleet.model);
    expect(back.rowsScored).toBe(fleet.rowsScored);
    expect(back.settings.horizonMs).toBe(8 * HOUR);
    expect(back.settings.noticeMs).toBe(DEFAULT_FORECAST_SETTINGS.noticeMs);
    expect(back.settings.dueLevel).toBe(DEFAULT_FORECAST_SETTINGS.dueLevel);
    expect(back.modes.map((n) => [n.mode, n.forecastable])).toEqual(
      fleet.modes.map((n) => [n.mode, n.forecastable]),
    );
    expect(back.modes.map((n) => n.note)).toEqual(fleet.modes.map((n) => n.note));
    expect(back.modes[4]?.aheadAuc).toBeNaN();

    // The core's order: due machines first (by due time), then the rest, then the ones without a forecast.
    expect(back.machines.map((m) => m.deviceId)).toEqual(['M-0001', 'M-0002', 'M-0003']);
    expect(back.machines[2]).toEqual(fleet.machines[2]);

    const m = back.machines[0] as MachineForecast;
    expect(m.status).toBe('ok');
    expect(m.qualityType).toBe('L');
    expect(m.asOf).toBe(Math.trunc(AS_OF));
    expect(m.dueAt).toBe(Math.trunc(due.dueAt ?? 0));
    expect(m.noticeProbability).toBe(0.62);
    expect(m.leadingMode).toBe('TWF');
    expect(m.expectedTimeToFailureMs).toBeCloseTo(250 * MIN, 6);
    expect(m.beyondHorizon).toBe(0.52);
    expect(m.horizons).toEqual([
      { horizonMs: 8 * HOUR, forecastable: 0.48, any: 0.5, byMode: due.horizons[1]?.byMode },
    ]);
    expect(m.recommendation).toMatchObject({
      action: 'replace_tool',
      noticeProbability: 0.02,
      probability: 0.1,
      dueAt: null,
    });
    expect(m.recommendation?.description).not.toContain('ignored');
    expect(m.recommendation?.expectedTimeToFailureMs).toBeCloseTo(400 * MIN, 6);
    expect(m.actions).toEqual([m.recommendation]);
    expect(m.learned).toMatchObject({ readings: 412, paceMs: 60_400, wearPerHour: 3.25, toolWearMin: 187 });
    expect(m.learned.toolReplacementsSeen).toBe(4);
    expect(m.learned.toolLifeFrom).toBe('machine');
    expect(m.learned.air.level).toBe(300.2);
    expect(m.learned.air.sdPerHour).toBeNaN();

    // Approximated: the curve is its stored points (30 min, 1 h, 2 h, 4 h and the horizon), not every step.
    expect(m.curve.map((p) => p.time - m.asOf)).toEqual([30 * MIN, HOUR, 2 * HOUR, 4 * HOUR, 8 * HOUR]);
    const expected = [0.03, 0.06, 0.12, 0.24, 0.48];
    for (const [i, p] of m.curve.entries()) expect(p.probability).toBeCloseTo(expected[i] ?? Number.NaN, 9);

    const q = back.machines[1] as MachineForecast;
    expect(q.dueAt).toBeNull();
    expect(q.leadingMode).toBeNull();
    expect(q.recommendation).toBeNull();
    expect(q.actions).toEqual([]);
    expect(q.learned.wearPerHour).toBeNaN();
    expect(q.learned.toolLifeFrom).toBe('none');
  });

  it('reads no run as null', () => {
    expect(forecastFromRows([])).toBeNull();
  });
});
