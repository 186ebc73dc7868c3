import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InfluxDbDriftScoreSink } from '../../../processors/drift/InfluxDbDriftScoreSink.js';
import { InfluxDbSink } from '../../../processors/sinks/InfluxDbSink.js';
import { InfluxDbPeriodQueries } from '../../../processors/store/InfluxDbPeriodQueries.js';
import { InfluxQlClient } from '../../../processors/store/InfluxQlClient.js';
import { type DuckDbStore, openDuckDbStore } from '../../../processors/store/openDuckDbStore.js';
import { useInfluxServer } from '../../helpers/influxServer.js';
import { drift, fleetRows, quarantined, RANGE, T0 } from '../agent/fixtures.js';

// The real influxd (Debian's 1.x: the same InfluxQL engine and /query API that InfluxDB 2.x serves through its
// 1.x compatibility endpoint) against the embedded DuckDB store over the same rows.
const influx = useInfluxServer();
let dir: string;
let duck: DuckDbStore;
let queries: InfluxDbPeriodQueries;
let emptyQueries: InfluxDbPeriodQueries;

/** Numbers to 12 significant digits: the engines sum floating point in different orders. */
function rounded<T>(value: T): T {
  return JSON.parse(
    JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' ? Number(v.toPrecision(12)) : v)),
  ) as T;
}

const driftRows = () => [
  drift('fleet', 'torque_nm', T0 + 60_000, 0.05, 'OK'),
  drift('fleet', 'tool_wear_min', T0 + 60_000, 0.02, 'OK'),
  drift('fleet', 'torque_nm', T0 + 120_000, 0.31, 'WARN'),
  drift('fleet', 'tool_wear_min', T0 + 120_000, 0.04, 'WARN'),
  drift('fleet', 'air_temperature_k', T0 + 120_000, 0.12, 'WARN'),
  drift('quality:M', 'torque_nm', T0 + 120_000, 0.5, 'DRIFT'),
];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pfm-influx-queries-'));
  duck = await openDuckDbStore(join(dir, 'pfm.duckdb'));
  const database = await influx.freshDatabase();
  const sink = new InfluxDbSink({ url: influx.server.url, database });
  const rows = fleetRows();
  const q = [
    quarantined(1, T0 + 1000, 'M-0002'),
    quarantined(2, T0 + 2000, 'M-0002'),
    quarantined(3, T0 + 3000, null),
    quarantined(4, T0 + 7_200_000, 'M-0002'),
  ];
  for (const target of [sink, duck.predictionSink]) await target.writePredictions(rows);
  for (const target of [sink, duck.quarantineSink]) await target.quarantine(q);
  await new InfluxDbDriftScoreSink({ sink, modelName: 'pfm' }).writeDriftScores(driftRows());
  await duck.driftScores.writeDriftScores(driftRows());
  queries = new InfluxDbPeriodQueries(new InfluxQlClient({ url: influx.server.url, database }));
  emptyQueries = new InfluxDbPeriodQueries(
    new InfluxQlClient({ url: influx.server.url, database: await influx.freshDatabase() }),
  );
});
afterAll(async () => {
  await duck.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('InfluxDbPeriodQueries against influxd', () => {
  it('spans the whole measurement like the DuckDB store', async () => {
    expect(await queries.dataSpan()).toEqual(await duck.periodQueries.dataSpan());
    expect(await queries.dataSpan()).toEqual({ predictions: 90, first: T0, last: T0 + 29_000 });
  });

  it('summarizes the fleet over a range like the DuckDB store (pooled means and sample deviations)', async () => {
    const [a, b] = [await queries.fleetSummary(RANGE), await duck.periodQueries.fleetSummary(RANGE)];
    const exact = (s: typeof a) => ({ ...s, meanRisk: 0, readingMeans: null, readingSds: null });
    expect(exact(a)).toEqual(exact(b));
    expect(a.meanRisk).toBeCloseTo(b.meanRisk ?? Number.NaN, 12);
    for (const key of Object.keys(b.readingMeans ?? {}) as (keyof NonNullable<typeof b.readingMeans>)[]) {
      expect(a.readingMeans?.[key]).toBeCloseTo(b.readingMeans?.[key] ?? Number.NaN, 9);
      expect(a.readingSds?.[key]).toBeCloseTo(b.readingSds?.[key] ?? Number.NaN, 9);
    }
    expect(a).toMatchObject({ predictions: 90, devices: 3, quarantined: 3, modelVersions: ['abc123def456'] });
  });

  it('gives an empty range and an empty database zeros and nulls', async () => {
    const empty = { from: T0 - 7_200_000, to: T0 - 1 };
    expect(await queries.fleetSummary(empty)).toEqual(await duck.periodQueries.fleetSummary(empty));
    expect(await emptyQueries.dataSpan()).toEqual({ predictions: 0, first: null, last: null });
    expect(await emptyQueries.riskRanking({ range: RANGE, limit: 5, window: 5 })).toEqual([]);
  });

  it.each([
    { limit: 10, window: 10 },
    { limit: 1, window: 30 },
    { limit: 2, window: 20, mode: 'PWF' as const },
    { limit: 1, window: 20, mode: 'OSF' as const },
  ])('ranks machines like the DuckDB store: %o', async (o) => {
    const options = { range: RANGE, ...o };
    const top = await queries.riskRanking(options);
    expect(rounded(top)).toEqual(rounded(await duck.periodQueries.riskRanking(options)));
    expect(top.length).toBe(Math.min(o.limit, 3));
  });

  it("returns one machine's history like the DuckDB store, and nothing for an unknown machine", async () => {
    for (const deviceId of ['M-0002', 'M-0001', 'M-9999']) {
      const options = { deviceId, range: RANGE, limit: 4, window: 10 };
      expect(rounded(await queries.machineHistory(options))).toEqual(
        rounded(await duck.periodQueries.machineHistory(options)),
      );
    }
  });

  it("reports each scope's latest window and windows by state like the DuckDB store", async () => {
    const options = { range: RANGE, features: 2 };
    expect(await queries.driftStatus(options)).toEqual(await duck.periodQueries.driftStatus(options));
  });

  it('says drift scores are unavailable in a database the drift monitor never wrote', async () => {
    const d = await emptyQueries.driftStatus({ range: RANGE, features: 3 });
    expect(d).toMatchObject({ available: false, scopes: [] });
    expect(d.unavailableReason).toMatch(/drift_scores/);
  });

  it('binds a device id as a value: a quote in it cannot change the query', async () => {
    await expect(
      queries.machineHistory({ deviceId: "M-0001' OR '1'='1", range: RANGE, limit: 5, window: 5 }),
    ).rejects.toMatchObject({ code: 'INVALID_TOOL_INPUT' });
    expect((await queries.dataSpan()).predictions).toBe(90);
  });

  it('names the server and the reason when a query is refused', async () => {
    const broken = new InfluxDbPeriodQueries(
      new InfluxQlClient({ url: influx.server.url, database: 'no_such_database' }),
    );
    await expect(broken.dataSpan()).rejects.toMatchObject({
      code: 'STORE_QUERY_FAILED',
      message: expect.stringMatching(/db no_such_database\) refused the query/),
    });
  });
});
