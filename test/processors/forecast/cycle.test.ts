import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PfmError } from '../../../kernel/errors.js';
import { LocalEventLog } from '../../../processors/events/LocalEventLog.js';
import type { EventPublisher } from '../../../processors/events/types.js';
import { DEFAULT_FORECAST_SETTINGS } from '../../../processors/forecast/constants.js';
import { runForecastCycle } from '../../../processors/forecast/cycle.js';
import { FileDueStateStore } from '../../../processors/forecast/FileDueStateStore.js';
import type { MaintenanceDueEvent } from '../../../processors/forecast/maintenanceDue.js';
import type { FleetForecast, ForecastSink, MachineForecast } from '../../../processors/forecast/types.js';

const T0 = Date.UTC(2026, 5, 1, 6);
const MIN = 60_000;

/** A machine with the given probability within the notice window and tool wear; due 40 min out when p >= 0.5. */
function machine(deviceId: string, notice: number, toolWearMin: number): MachineForecast {
  return {
    deviceId,
    status: 'ok',
    qualityType: 'M',
    asOf: T0,
    dueAt: notice >= 0.5 ? T0 + 40 * MIN : null,
    noticeProbability: notice,
    leadingMode: notice >= 0.5 ? 'TWF' : null,
    horizons: [],
    curve: [],
    expectedTimeToFailureMs: 90 * MIN,
    beyondHorizon: 1 - notice,
    recommendation:
      notice >= 0.5
        ? {
            action: 'replace_tool',
            description: 'replace the tool now',
            noticeProbability: 0.01,
            probability: 0.05,
            dueAt: null,
            expectedTimeToFailureMs: 470 * MIN,
          }
        : null,
    actions: [],
    learned: {
      readings: 200,
      paceMs: 2 * MIN,
      wearPerHour: 60,
      toolWearMin,
      toolReplacementsSeen: 3,
      toolLifeFrom: 'machine',
      air: { level: 300, sdPerHour: 0.1, driftPerHour: 0, noiseSd: 0.1 },
      delta: { level: 10, sdPerHour: 0.1, driftPerHour: 0, noiseSd: 0.1 },
    },
  };
}

function fleet(run: number, machines: FleetForecast['machines']): FleetForecast {
  return {
    generatedAt: T0 + run * 15 * MIN,
    model: { name: 'pfm', version: 'v1' },
    settings: DEFAULT_FORECAST_SETTINGS,
    modes: [],
    machines,
    rowsScored: 0,
    scorerRuns: 1,
  };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pfm-cycle-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A cycle over a scripted series of fleet forecasts, with the real file adapters of a run folder. */
function setup(publisher?: EventPublisher<MaintenanceDueEvent>) {
  const log = LocalEventLog.open<MaintenanceDueEvent>(join(dir, 'maintenance-events.jsonl'));
  const memory = new FileDueStateStore(join(dir, 'forecast-due.json'));
  const written: FleetForecast[] = [];
  const sink: ForecastSink = {
    writeForecast: async (f) => {
      written.push(f);
    },
  };
  const cycle = (f: FleetForecast | null) =>
    runForecastCycle({
      forecaster: { latestForecast: async () => f },
      sink,
      memory,
      publisher: publisher ?? log,
    });
  return { log, memory, written, cycle };
}

describe('forecast cycle', () => {
  it('sends one MaintenanceDue per machine and tool, holds it through the hysteresis, and re-arms on a new tool', async () => {
    const { log, cycle, written } = setup();
    const notEnough = {
      deviceId: 'M-9',
      status: 'not_enough_data',
      readings: 4,
      reason: 'only 4 reading(s)',
    } as const;
    const runs = [
      [machine('M-1', 0.2, 150), machine('M-2', 0.1, 20), notEnough],
      [machine('M-1', 0.6, 170), machine('M-2', 0.1, 40), notEnough], // M-1 becomes due: event
      [machine('M-1', 0.4, 190), machine('M-2', 0.2, 60)], // still due (above release 0.25): nothing
      [machine('M-1', 0.2, 200), machine('M-2', 0.2, 80)], // released
      [machine('M-1', 0.7, 210), machine('M-2', 0.3, 100)], // due again, same tool: nothing
      [machine('M-1', 0.6, 8), machine('M-2', 0.3, 120)], // a new tool (wear fell back), still risky: event
    ];
    const summaries = [];
    for (const [i, machines] of runs.entries()) summaries.push(await cycle(fleet(i, machines)));

    expect(summaries.map((s) => s.events.map((e) => e.detail.eventId))).toEqual([
      [],
      ['M-1:tool-0'],
      [],
      [],
      [],
      ['M-1:tool-1'],
    ]);
    expect(summaries.map((s) => s.due)).toEqual([[], ['M-1'], ['M-1'], [], ['M-1'], ['M-1']]);
    expect(summaries[0]).toMatchObject({ machines: 3, forecastOk: 2, notEnoughData: 1 });
    expect(written).toHaveLength(6);
    const logged = log.read();
    expect(logged.map((e) => e.detail.eventId)).toEqual(['M-1:tool-0', 'M-1:tool-1']);
    const first = logged[0] as MaintenanceDueEvent;
    expect(first).toMatchObject({ source: 'pfm.forecast', detailType: 'MaintenanceDue' });
    expect(first.time).toBe(new Date(T0 + 15 * MIN).toISOString());
    expect(first.detail).toMatchObject({
      schemaVersion: 1,
      deviceId: 'M-1',
      qualityType: 'M',
      dueAt: new Date(T0 + 40 * MIN).toISOString(),
      noticeProbability: 0.6,
      noticeHours: 2,
      dueLevel: 0.5,
      leadingMode: 'TWF',
      expectedTimeToFailureMinutes: 90,
      toolWearMin: 170,
      tool: 0,
      recommendation: { action: 'replace_tool', probabilityAfter: 0.05, noticeProbabilityAfter: 0.01 },
      model: { name: 'pfm', version: 'v1' },
    });
  });

  it('a machine without enough data keeps its memory (it neither notifies again nor forgets it was notified)', async () => {
    const { cycle } = setup();
    await cycle(fleet(0, [machine('M-1', 0.8, 150)]));
    const gap = await cycle(
      fleet(1, [{ deviceId: 'M-1', status: 'not_enough_data', readings: 2, reason: 'x' }]),
    );
    expect(gap.events).toEqual([]);
    const back = await cycle(fleet(2, [machine('M-1', 0.8, 160)]));
    expect(back.events).toEqual([]);
    expect(back.due).toEqual(['M-1']);
  });

  it('a failed publish saves no memory, so the next run sends the event again (same id)', async () => {
    const sent: string[] = [];
    let fail = true;
    const flaky: EventPublisher<MaintenanceDueEvent> = {
      publish: async (events) => {
        if (fail) throw new PfmError('SINK_UNAVAILABLE', 'bus down', { retryable: true });
        sent.push(...events.map((e) => e.detail.eventId));
      },
    };
    const { cycle, memory } = setup(flaky);
    await expect(cycle(fleet(0, [machine('M-1', 0.9, 200)]))).rejects.toMatchObject({ retryable: true });
    expect((await memory.load()).revision).toBe(0);
    fail = false;
    const retried = await cycle(fleet(1, [machine('M-1', 0.9, 205)]));
    expect(retried.events.map((e) => e.detail.eventId)).toEqual(['M-1:tool-0']);
    expect(sent).toEqual(['M-1:tool-0']);
    expect(await memory.load()).toMatchObject({
      revision: 1,
      machines: { 'M-1': { due: true, notified: true } },
    });
  });

  it('an empty store publishes nothing and leaves the memory alone', async () => {
    const { cycle, memory, written } = setup();
    const s = await cycle(null);
    expect(s).toMatchObject({ forecast: null, machines: 0, events: [] });
    expect(written).toEqual([]);
    expect((await memory.load()).revision).toBe(0);
  });
});

describe('FileDueStateStore', () => {
  it('refuses a save on a stale revision and a file that is not a due memory', async () => {
    const path = join(dir, 'due.json');
    const store = new FileDueStateStore(path);
    await store.save({}, 0);
    await expect(store.save({}, 0)).rejects.toMatchObject({ code: 'SINK_UNAVAILABLE', retryable: true });
    expect(JSON.parse(readFileSync(path, 'utf8')).revision).toBe(1);
    writeFileSync(path, '[1,2]');
    await expect(store.load()).rejects.toMatchObject({ code: 'STORE_CORRUPT' });
  });
});
