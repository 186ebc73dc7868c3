import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maintenancePlan } from '../../../processors/agent/tools/maintenancePlan.js';
import type { AgentToolDeps } from '../../../processors/agent/types.js';
import { DuckDbHistorySource } from '../../../processors/forecast/DuckDbHistorySource.js';
import {
  TimestreamForecastSink,
  TimestreamForecastStore,
} from '../../../processors/forecast/TimestreamForecastStore.js';
import type { FleetForecast, MachineForecast } from '../../../processors/forecast/types.js';
import { TimestreamWriter } from '../../../processors/sinks/TimestreamWriter.js';
import { type DuckDbStore, openDuckDbStore } from '../../../processors/store/openDuckDbStore.js';
import { createTimestreamQueryClient } from '../../../processors/store/queries/timestreamQueryClient.js';
import { TimestreamQueries } from '../../../processors/store/TimestreamQueries.js';
import { TimestreamStandIn } from '../../helpers/timestreamStandIn.js';
import { fleetRows, T0 } from '../agent/fixtures.js';
import { TimestreamQueryStandIn } from '../agent/timestreamQueryStandIn.js';
import { standInClient } from '../sinks/rows.js';
import { computedFleetForecast, HOUR, identityCalibration, MINUTE } from './fixtures.js';

// The unmodified Timestream Write and Query clients against the project's stand-ins: the write stand-in enforces the
// service's record rules (size, measures, retention, versions), the query stand-in runs the store's SQL verbatim on
// DuckDB, and what the sink wrote is loaded into it record for record.
const DB = 'pfm';
let dir: string;
let duck: DuckDbStore;
let writeStandIn: TimestreamStandIn;
let queryStandIn: TimestreamQueryStandIn;
let writeClient: ReturnType<typeof standInClient>;

const queries = () =>
  new TimestreamQueries({
    client: createTimestreamQueryClient({
      endpoint: queryStandIn.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    }),
    database: DB,
  });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pfm-ts-forecast-'));
  duck = await openDuckDbStore(join(dir, 'pfm.duckdb'));
  const predictions = fleetRows();
  await duck.predictionSink.writePredictions(predictions);
  writeStandIn = await TimestreamStandIn.start();
  writeClient = standInClient(writeStandIn.endpoint);
  queryStandIn = await TimestreamQueryStandIn.start({ database: DB, pageSize: 7, emptyFirstPage: true });
  await queryStandIn.putPredictions(predictions);
});
afterAll(async () => {
  writeClient.destroy();
  await writeStandIn.stop();
  await queryStandIn.stop();
  await duck.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('TimestreamForecastStore against the Timestream stand-ins', () => {
  it("reads each machine's history as the embedded store does", async () => {
    // Now: just after the fixture fleet's last readings (T0 + 29 s).
    const store = new TimestreamForecastStore({ queries: queries(), database: DB, now: () => T0 + 30_000 });
    const duckHistory = new DuckDbHistorySource(duck.database);
    for (const window of [
      { historyMs: HOUR, maxReadings: 2_000 },
      { historyMs: 10_500, maxReadings: 2_000 },
      { historyMs: HOUR, maxReadings: 7 },
    ]) {
      expect(await store.recentHistories(window)).toEqual(await duckHistory.recentHistories(window));
    }
    // Nothing is scanned beyond twice the window before now: a fleet silent that long is not forecast.
    const later = new TimestreamForecastStore({
      queries: queries(),
      database: DB,
      now: () => T0 + 2 * HOUR + 30_000,
    });
    expect(await later.recentHistories({ historyMs: HOUR, maxReadings: 10 })).toEqual([]);
  });

  it('writes a run through the write rules and reads the latest run back for the agent', async () => {
    const now = Date.now();
    const sink = new TimestreamForecastSink({
      writer: new TimestreamWriter({ client: writeClient, database: DB, sleep: async () => undefined }),
      aheadProcesses: identityCalibration.aheadProcesses,
    });
    const older = await computedFleetForecast(now - 20 * MINUTE, now - 25 * MINUTE);
    const latest = await computedFleetForecast(now - 5 * MINUTE, now - 10 * MINUTE);
    await sink.writeForecast(older);
    await sink.writeForecast(latest);
    await sink.writeForecast(latest); // a retried run replaces its own records (a later Version)
    const written = writeStandIn.records(DB, 'forecasts');
    expect(written).toHaveLength(6);
    await queryStandIn.loadSeries('forecasts', written);

    const store = new TimestreamForecastStore({ queries: queries(), database: DB, now: () => now });
    const back = (await store.latestForecast()) as FleetForecast;
    expect(back.generatedAt).toBe(latest.generatedAt);
    expect(back.modes).toEqual(latest.modes);
    expect(back.machines.map((m) => [m.deviceId, m.status])).toEqual(
      latest.machines.map((m) => [m.deviceId, m.status]),
    );
    const [got, want] = [back.machines[0], latest.machines[0]] as MachineForecast[];
    expect(got?.dueAt).toBe(Math.trunc(want?.dueAt as number));
    expect(got?.noticeProbability).toBe(want?.noticeProbability);
    expect(back.machines[2]).toEqual(latest.machines[2]);

    const deps = (f: FleetForecast | null) =>
      ({ forecasts: { latestForecast: async () => f } }) as unknown as AgentToolDeps;
    const fromRows = await maintenancePlan(deps(back), { within_hours: 8 });
    expect(fromRows.machines.length).toBeGreaterThan(0);
    expect(fromRows).toEqual(await maintenancePlan(deps(latest), { within_hours: 8 }));

    const empty = new TimestreamForecastStore({
      queries: queries(),
      database: DB,
      now: () => now + 30 * 24 * HOUR,
    });
    expect(await empty.latestForecast()).toBeNull();
  });
});
