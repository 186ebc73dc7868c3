import { describe, expect, it } from 'vitest';
import { createAgentTools } from '../../../../processors/agent/core.js';
import { renderLocalAnswer } from '../../../../processors/agent/renderAnswer.js';
import { maintenancePlan } from '../../../../processors/agent/tools/maintenancePlan.js';
import type { MaintenancePlanResult } from '../../../../processors/agent/types.js';
import { DEFAULT_FORECAST_SETTINGS } from '../../../../processors/forecast/constants.js';
import type {
  FleetForecast,
  ForecastReader,
  MachineForecast,
} from '../../../../processors/forecast/types.js';
import { fakeQueries } from './fakeQueries.js';

const T0 = Date.UTC(2026, 0, 5, 14);
const MIN = 60_000;
const HOUR = 60 * MIN;

/** A forecast machine due `dueIn` after its last reading (null: not within the horizon), risk rising linearly to it. */
function machine(id: string, dueIn: number | null, asOf = T0): MachineForecast {
  const steps = 48;
  const curve = Array.from({ length: steps }, (_, s) => {
    const t = (s + 1) * 10 * MIN;
    return {
      time: asOf + t,
      probability: dueIn === null ? 0.1 * (t / (8 * HOUR)) : Math.min(1, (0.5 * t) / dueIn),
    };
  });
  const at = (h: number) => (curve[h / (10 * MIN) - 1] as { probability: number }).probability;
  return {
    deviceId: id,
    status: 'ok',
    qualityType: 'L',
    asOf,
    dueAt: dueIn === null ? null : asOf + dueIn,
    noticeProbability: at(2 * HOUR),
    leadingMode: dueIn === null ? null : 'OSF',
    horizons: DEFAULT_FORECAST_SETTINGS.reportHorizonsMs.map((horizonMs) => ({
      horizonMs,
      forecastable: at(horizonMs),
      any: at(horizonMs),
      byMode: { TWF: 0.1, HDF: 0, PWF: 0.2, OSF: at(horizonMs), RNF: 0.01 },
    })),
    curve,
    expectedTimeToFailureMs: dueIn ?? 8 * HOUR,
    beyondHorizon: 1 - at(8 * HOUR),
    recommendation:
      dueIn === null
        ? null
        : {
            action: 'replace_tool',
            description: 'replace the tool now',
            noticeProbability: 0.02,
            probability: 0.4,
            dueAt: null,
            expectedTimeToFailureMs: 7 * HOUR,
          },
    actions: [],
    learned: {
      readings: 400,
      paceMs: 3 * MIN,
      wearPerHour: 40,
      toolWearMin: 201.4,
      toolReplacementsSeen: 4,
      toolLifeFrom: 'machine',
      air: { level: 300, sdPerHour: 0.1, driftPerHour: 0, noiseSd: 0 },
      delta: { level: 10, sdPerHour: 0.1, driftPerHour: 0, noiseSd: 0 },
    },
  };
}

const forecast: FleetForecast = {
  generatedAt: T0 + 5 * MIN,
  model: { name: 'pfm-failure-nam', version: 'abc123def456' },
  settings: DEFAULT_FORECAST_SETTINGS,
  modes: [
    { mode: 'OSF', forecastable: true, aheadAuc: 0.72, note: 'forecast' },
    { mode: 'PWF', forecastable: false, aheadAuc: 0.49, note: 'a steady rate per process' },
  ],
  machines: [
    machine('M-0002', 30 * MIN),
    // Its last reading was 10 min before the fleet's latest: the window counts from the fleet's latest.
    machine('M-0001', 3 * HOUR, T0 - 10 * MIN),
    machine('M-0004', 7 * HOUR),
    machine('M-0003', null),
    { deviceId: 'M-0009', status: 'not_enough_data', readings: 3, reason: 'only 3 reading(s)' },
  ],
  rowsScored: 1,
  scorerRuns: 1,
};

const plan = (raw: unknown, reader: ForecastReader = { latestForecast: async () => forecast }) =>
  maintenancePlan({ queries: fakeQueries({}), forecasts: reader, now: () => T0 }, raw);

describe('maintenance_plan tool', () => {
  it('lists the machines due within the window, soonest first, with the mode and the action', async () => {
    const r = await plan({ within_hours: 4 });
    expect(r.available).toBe(true);
    expect(r.asOf).toBe(new Date(T0).toISOString());
    expect(r.machines.map((m) => [m.machine, m.dueInMinutes])).toEqual([
      ['M-0002', 30],
      ['M-0001', 170],
    ]);
    const first = r.machines[0] as MaintenancePlanResult['machines'][number];
    expect(first).toMatchObject({ rank: 1, leadingMode: 'OSF', toolWearMin: 201, probabilityWithin: 1 });
    expect(first.action).toEqual({
      do: 'replace the tool now',
      probabilityWithinNoticeAfter: 0.02,
      probabilityWithinHorizonAfter: 0.4,
      dueAtAfter: null,
    });
    // M-0001: 4 h after the fleet's latest reading is 250 min after its own, on a line reaching 0.5 at 180 min.
    expect(r.machines[1]?.probabilityWithin).toBeCloseTo((0.5 * 250) / 180, 3);
    expect([r.dueLater, r.notDue]).toEqual([1, 1]);
    expect(r.notEnoughData).toEqual([{ machine: 'M-0009', reason: 'only 3 reading(s)' }]);
    expect(r.notForecast).toEqual([{ mode: 'PWF', note: 'a steady rate per process' }]);
  });

  it('plans a shift by default, caps at the forecast horizon and at the limit, and says so', async () => {
    expect((await plan({})).machines).toHaveLength(3);
    const r = await plan({ within_hours: 24, limit: 1 });
    expect(r.withinHours).toBe(8);
    expect(r.machines).toHaveLength(1);
    expect(r.note).toMatch(/looks 8 h ahead.*2 more machine\(s\) due/);
  });

  it('says why there is no plan rather than inventing one', async () => {
    const none = await maintenancePlan({ queries: fakeQueries({}), now: () => T0 }, {});
    expect(none).toMatchObject({ available: false, reason: 'no forecaster is configured', machines: [] });
    const empty = await plan({}, { latestForecast: async () => null });
    expect(empty.reason).toMatch(/no readings/);
  });

  it('refuses parameters out of bounds, through the tool list', async () => {
    const tools = createAgentTools({ queries: fakeQueries({}), now: () => T0 });
    await expect(tools.run('maintenance_plan', { within_hours: 0 })).rejects.toThrow(/within_hours must be/);
    await expect(tools.run('maintenance_plan', { shift: 'night' })).rejects.toThrow(/unknown parameter/);
  });

  it('renders as a labelled plan in the local answer', async () => {
    const r = await plan({});
    const text = renderLocalAnswer({
      plan: { machines: [], period: undefined, limit: undefined, mode: undefined, calls: [], notes: [] },
      outcomes: [{ call: { name: 'maintenance_plan', input: {} }, result: r }],
      source: 'test',
    });
    expect(text).toMatch(/Maintenance plan for the next 8 h from the latest reading/);
    expect(text).toMatch(/ 1\. M-0002 \(type L\): due 2026-01-05T14:30:00Z \(in 30 min\), OSF/);
    expect(text).toMatch(/do first: replace the tool now -> p 0\.020 within 2 h, 0\.400 within 8 h/);
    expect(text).toMatch(/PWF: a steady rate per process/);
  });
});
