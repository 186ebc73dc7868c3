import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maintenancePlan } from '../../../processors/agent/tools/maintenancePlan.js';
import type { AgentToolDeps } from '../../../processors/agent/types.js';
import { DuckDbHistorySource } from '../../../processors/forecast/DuckDbHistorySource.js';
import {
  InfluxDbForecastSink,
  InfluxDbForecastStore,
} from '../../../processors/forecast/InfluxDbForecastStore.js';
import type { FleetForecast, MachineForecast } from '../../../processors/forecast/types.js';
import { InfluxDbSink } from '../../../processors/sinks/InfluxDbSink.js';
import { InfluxQlClient } from '../../../processors/store/InfluxQlClient.js';
import { type DuckDbStore, openDuckDbStore } from '../../../processors/store/openDuckDbStore.js';
import { useInfluxServer } from '../../helpers/influxServer.js';
import { fleetRows } from '../agent/fixtures.js';
import { computedFleetForecast, HOUR, identityCalibration, MINUTE } from './fixtures.js';

// The real influxd (Debian's 1.x: the InfluxQL engine and 1.x /query and /write APIs Timestream for InfluxDB serves).
const influx = useInfluxServer();
let dir: string;
let duck: DuckDbStore;
let store: InfluxDbForecastStore;
let rows: InfluxDbForecastSink;
let emptyStore: InfluxDbForecastStore;

const computed = (generatedAt: number) => computedFleetForecast(generatedAt, Date.UTC(2026, 5, 1, 6));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pfm-influx-forecast-'));
  duck = await openDuckDbStore(join(dir, 'pfm.duckdb'));
  const database = await influx.freshDatabase();
  const predictions = fleetRows();
  await new InfluxDbSink({ url: influx.server.url, database }).writePredictions(predictions);
  await duck.predictionSink.writePredictions(predictions);
  store = new InfluxDbForecastStore(new InfluxQlClient({ url: influx.server.url, database }));
  rows = new InfluxDbForecastSink({
    writer: new InfluxDbSink({ url: influx.server.url, database }),
    aheadProcesses: identityCalibration.aheadProcesses,
  });
  emptyStore = new InfluxDbForecastStore(
    new InfluxQlClient({ url: influx.server.url, database: await influx.freshDatabase() }),
  );
});
afterAll(async () => {
  await duck.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('InfluxDbForecastStore against influxd', () => {
  it("reads each machine's history as the embedded store does (window before its own latest reading, newest N)", async () => {
    const duckHistory = new DuckDbHistorySource(duck.database);
    for (const window of [
      { historyMs: 3_600_000, maxReadings: 2_000 },
      { historyMs: 10_500, maxReadings: 2_000 },
      { historyMs: 3_600_000, maxReadings: 7 },
    ]) {
      const fromInflux = await store.recentHistories(window);
      expect(fromInflux).toEqual(await duckHistory.recentHistories(window));
      expect(fromInflux.map((h) => h.deviceId)).toEqual(['M-0001', 'M-0002', 'M-0003']);
    }
    expect(
      (await store.recentHistories({ historyMs: 10_500, maxReadings: 2_000 }))[0]?.readings,
    ).toHaveLength(11);
    expect(await emptyStore.recentHistories({ historyMs: 3_600_000, maxReadings: 10 })).toEqual([]);
  });

  it('writes a run and reads the latest run back: what the agent needs is kept exactly', async () => {
    expect(await emptyStore.latestForecast()).toBeNull();
    const older = await computed(Date.UTC(2026, 5, 1, 6, 5));
    const latest = await computed(Date.UTC(2026, 5, 1, 6, 20));
    await rows.writeForecast(older);
    await rows.writeForecast(latest);
    await rows.writeForecast(latest); // a retried run rewrites the same points
    const back = await store.latestForecast();
    if (back === null) throw new Error('no forecast read back');
    expect(back.generatedAt).toBe(latest.generatedAt);
    expect(back.model).toEqual(latest.model);
    expect(back.modes).toEqual(latest.modes);
    expect(back.settings).toMatchObject({
      horizonMs: latest.settings.horizonMs,
      noticeMs: latest.settings.noticeMs,
      dueLevel: latest.settings.dueLevel,
      stepMs: latest.settings.stepMs,
    });
    expect(back.machines.map((m) => [m.deviceId, m.status])).toEqual(
      latest.machines.map((m) => [m.deviceId, m.status]),
    );
    const due = latest.machines[0] as MachineForecast;
    // M-0002 is 20 readings from the wear at which its tool fails, M-0001 at most 40.
    expect(latest.machines.map((m) => m.deviceId)).toEqual(['M-0002', 'M-0001', 'M-0003']);
    expect(due.dueAt).not.toBeNull();
    const got = back.machines[0] as MachineForecast;
    const ms = (t: number | null) => (t === null ? null : Math.trunc(t));
    expect(got).toMatchObject({
      asOf: due.asOf,
      dueAt: ms(due.dueAt),
      qualityType: due.qualityType,
      leadingMode: due.leadingMode,
      noticeProbability: due.noticeProbability,
      beyondHorizon: due.beyondHorizon,
      recommendation: due.recommendation && { ...due.recommendation, dueAt: ms(due.recommendation.dueAt) },
    });
    expect(got.expectedTimeToFailureMs).toBeCloseTo(due.expectedTimeToFailureMs, 6);
    expect(got.horizons.at(-1)?.byMode).toEqual(due.horizons.at(-1)?.byMode);
    expect(got.learned).toMatchObject({
      readings: 120,
      toolWearMin: due.learned.toolWearMin,
      wearPerHour: due.learned.wearPerHour,
    });
    // The stored curve: the points at 30 min, 1 h, 2 h, 4 h and the horizon, where the computed curve has them.
    expect(got.curve.map((p) => p.time - got.asOf)).toEqual([
      30 * MINUTE,
      HOUR,
      2 * HOUR,
      4 * HOUR,
      8 * HOUR,
    ]);
    for (const p of got.curve) {
      expect(p.probability).toBeCloseTo(
        due.curve.find((c) => c.time === p.time)?.probability ?? Number.NaN,
        12,
      );
    }
    expect(back.machines[2]).toEqual(latest.machines[2]);
  });

  it("gives the agent's maintenance_plan the same plan from the stored rows as from the computed forecast", async () => {
    const latest = await computed(Date.UTC(2026, 5, 1, 6, 20));
    const deps = (f: FleetForecast | null): AgentToolDeps =>
      ({ forecasts: { latestForecast: async () => f } }) as unknown as AgentToolDeps;
    const fromRows = await maintenancePlan(deps(await store.latestForecast()), { within_hours: 8 });
    const fromCore = await maintenancePlan(deps(latest), { within_hours: 8 });
    expect(fromRows.machines.length).toBeGreaterThan(0);
    expect({ ...fromRows, notForecast: [] }).toEqual({ ...fromCore, notForecast: [] });
    expect(fromRows.notForecast).toEqual(fromCore.notForecast);
  });
});
