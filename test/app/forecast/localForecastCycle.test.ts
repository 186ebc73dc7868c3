import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderRunForecast } from '../../../app/cli/runForecast.js';
import { startLocalForecastCycle } from '../../../app/forecast/localForecastCycle.js';
import { DEFAULT_FORECAST_SETTINGS } from '../../../processors/forecast/constants.js';
import type { Forecaster } from '../../../processors/forecast/forecaster.js';
import type { FleetForecast, MachineForecast } from '../../../processors/forecast/types.js';

const T0 = Date.UTC(2026, 5, 1, 6);
const MIN = 60_000;

function machine(deviceId: string, notice: number, dueInMin: number | null): MachineForecast {
  return {
    deviceId,
    status: 'ok',
    qualityType: 'L',
    asOf: T0,
    dueAt: dueInMin === null ? null : T0 + dueInMin * MIN,
    noticeProbability: notice,
    leadingMode: dueInMin === null ? null : 'OSF',
    horizons: [],
    curve: [],
    expectedTimeToFailureMs: 60 * MIN,
    beyondHorizon: 0.5,
    recommendation:
      dueInMin === null
        ? null
        : {
            action: 'replace_tool',
            description: 'replace the tool now',
            noticeProbability: 0.01,
            probability: 0.02,
            dueAt: null,
            expectedTimeToFailureMs: 400 * MIN,
          },
    actions: [],
    learned: {
      readings: 100,
      paceMs: 5 * MIN,
      wearPerHour: 24,
      toolWearMin: 190,
      toolReplacementsSeen: 2,
      toolLifeFrom: 'machine',
      air: { level: 300, sdPerHour: 0, driftPerHour: 0, noiseSd: 0 },
      delta: { level: 10, sdPerHour: 0, driftPerHour: 0, noiseSd: 0 },
    },
  };
}

const forecast: FleetForecast = {
  generatedAt: T0 + MIN,
  model: { name: 'pfm', version: 'v1' },
  settings: DEFAULT_FORECAST_SETTINGS,
  modes: [],
  machines: [
    machine('M-0002', 0.8, 35),
    machine('M-0001', 0.2, null),
    { deviceId: 'M-0003', status: 'not_enough_data', readings: 3, reason: 'only 3 reading(s)' },
  ],
  rowsScored: 0,
  scorerRuns: 0,
};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pfm-local-cycle-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A forecaster whose fresh forecasts are scripted: a function per call. */
function scripted(...answers: (() => Promise<FleetForecast | null>)[]): Forecaster & { calls: number } {
  const f = {
    calls: 0,
    latestForecast: () => Promise.resolve(forecast),
    freshForecast() {
      const answer = answers[Math.min(f.calls, answers.length - 1)] as () => Promise<FleetForecast | null>;
      f.calls++;
      return answer();
    },
    close: async () => undefined,
  };
  return f;
}

describe('the local run forecast cycle', () => {
  it('runs on its timer, reports a failed cycle and goes on, and ends with one last cycle on a fresh forecast', async () => {
    const errors: unknown[] = [];
    const forecaster = scripted(
      () => Promise.reject(new Error('store busy')),
      () => Promise.resolve(forecast),
    );
    const cycle = startLocalForecastCycle({
      forecaster,
      eventsPath: join(dir, 'maintenance-events.jsonl'),
      duePath: join(dir, 'forecast-due.json'),
      everyMs: 20,
      onError: (e) => errors.push(e),
    });
    // Two ticks at least: the failing one and a good one (polled: a loaded machine delays timers).
    for (let waited = 0; forecaster.calls < 2 && waited < 10_000; waited += 10) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setTimeout(r, 30));
    const summary = await cycle.final();
    const calls = forecaster.calls;
    await new Promise((r) => setTimeout(r, 60));
    // The timer stopped with the last cycle.
    expect(forecaster.calls).toBe(calls);
    expect(errors.map((e) => (e as Error).message)).toEqual(['store busy']);
    expect(calls).toBeGreaterThanOrEqual(3);
    // The event went out on the first good cycle; the last one sends nothing new.
    expect(summary.events).toEqual([]);
    expect(cycle.eventsSent()).toBe(1);
    expect(summary.due).toEqual(['M-0002']);
    const logged = readFileSync(join(dir, 'maintenance-events.jsonl'), 'utf8').trim().split('\n');
    expect(logged.map((l) => JSON.parse(l).detail.eventId)).toEqual(['M-0002:tool-0']);
  });

  it('summarizes the run: the machines due, soonest first, what to do, and where the events are', async () => {
    const cycle = startLocalForecastCycle({
      forecaster: scripted(() => Promise.resolve(forecast)),
      eventsPath: join(dir, 'events.jsonl'),
      duePath: join(dir, 'due.json'),
      everyMs: 60_000,
      onError: () => undefined,
    });
    const summary = await cycle.final();
    expect(cycle.eventsSent()).toBe(1);
    const lines = renderRunForecast({
      summary,
      eventsThisRun: cycle.eventsSent(),
      eventsPath: join(dir, 'events.jsonl'),
      seconds: 1.24,
    });
    expect(lines.slice(1)).toEqual([
      'Maintenance forecast (next 8 h of each machine, 2 machines forecast, 1 with too little history; 1.2 s):',
      '  due (p >= 0.5 within 2 h): M-0002 OSF in 35m: replace the tool now',
      `  MaintenanceDue events: 1 this run (1 from the last forecast), in ${join(dir, 'events.jsonl')} (npx pfm forecast for the whole table)`,
    ]);
    expect(renderRunForecast({ error: 'model missing' })).toEqual([
      '',
      'Maintenance forecast: failed: model missing',
    ]);
    expect(renderRunForecast(undefined)).toEqual([]);
  });
});
