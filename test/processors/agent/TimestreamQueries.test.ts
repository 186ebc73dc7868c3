import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DuckDbStore, openDuckDbStore } from '../../../processors/store/openDuckDbStore.js';
import { createTimestreamQueryClient } from '../../../processors/store/queries/timestreamQueryClient.js';
import { pageRows, TimestreamQueries } from '../../../processors/store/TimestreamQueries.js';
import { fleetRows, quarantined, RANGE, T0 } from './fixtures.js';
import { DESCRIBE_ENDPOINTS_TARGET, QUERY_TARGET, TimestreamQueryStandIn } from './timestreamQueryStandIn.js';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

let dir: string;
let duck: DuckDbStore;
let standIn: TimestreamQueryStandIn;

function adapter(options: { maxPages?: number } = {}) {
  const client = createTimestreamQueryClient({
    endpoint: standIn.endpoint,
    region: 'us-east-1',
    credentials,
  });
  return new TimestreamQueries({ client, database: 'pfm', ...options });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pfm-ts-queries-'));
  duck = await openDuckDbStore(join(dir, 'pfm.duckdb'));
  const rows = fleetRows();
  const q = [
    quarantined(1, T0 + 1000, 'M-0002'),
    quarantined(2, T0 + 2000, 'M-0002'),
    quarantined(3, T0 + 3000, null),
  ];
  await duck.predictionSink.writePredictions(rows);
  await duck.quarantineSink.quarantine(q);
  standIn = await TimestreamQueryStandIn.start({ database: 'pfm', pageSize: 2, emptyFirstPage: true });
  await standIn.putPredictions(rows);
  await standIn.putQuarantine(q.map((r) => ({ time: r.receivedAt, code: r.code, deviceId: r.deviceId })));
});
afterAll(async () => {
  await standIn.stop();
  await duck.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('TimestreamQueries against a Timestream Query stand-in', () => {
  it('answers like the DuckDB adapter over the same data', async () => {
    const ts = adapter();
    expect(await ts.dataSpan()).toEqual(await duck.periodQueries.dataSpan());
    const [a, b] = [await ts.fleetSummary(RANGE), await duck.periodQueries.fleetSummary(RANGE)];
    expect({ ...a, meanRisk: 0, readingMeans: null, readingSds: null }).toEqual({
      ...b,
      meanRisk: 0,
      readingMeans: null,
      readingSds: null,
    });
    expect(a.meanRisk).toBeCloseTo(b.meanRisk ?? Number.NaN, 12);
    expect(a.readingSds?.torqueNm).toBeCloseTo(b.readingSds?.torqueNm ?? Number.NaN, 9);
    const options = { range: RANGE, limit: 3, window: 10 };
    expect(await ts.riskRanking(options)).toEqual(await duck.periodQueries.riskRanking(options));
    const history = { deviceId: 'M-0002', range: RANGE, limit: 5, window: 10 };
    expect(await ts.machineHistory(history)).toEqual(await duck.periodQueries.machineHistory(history));
  });

  it('follows NextToken with the same query string until none is returned, past an empty first page', async () => {
    const before = standIn.calls.length;
    const top = await adapter().riskRanking({ range: RANGE, limit: 3, window: 10 });
    expect(top.map((m) => m.deviceId)).toEqual(['M-0002', 'M-0003', 'M-0001']);
    // The adapter's DESCRIBE of tables still missing columns comes first; the ranking query is the rest.
    const calls = standIn.calls.slice(before).filter((c) => !c.queryString?.startsWith('DESCRIBE'));
    // 3 rows at 2 a page after an empty first page: 3 requests, the last without a NextToken back.
    expect(calls.map((c) => c.rows)).toEqual([0, 2, 1]);
    expect(
      calls.slice(1).every((c) => c.nextToken !== undefined && c.queryString === calls[0]?.queryString),
    ).toBe(true);
    expect(
      calls.every(
        (c) => c.target === QUERY_TARGET && c.signed && c.contentType === 'application/x-amz-json-1.0',
      ),
    ).toBe(true);
  });

  it('uses the explicit endpoint without endpoint discovery', async () => {
    await adapter().dataSpan();
    expect(standIn.calls.some((c) => c.target === DESCRIBE_ENDPOINTS_TARGET)).toBe(false);
  });

  it('gives up on a query that keeps paging', async () => {
    await expect(
      adapter({ maxPages: 2 }).machineHistory({ deviceId: 'M-0001', range: RANGE, limit: 10, window: 5 }),
    ).rejects.toMatchObject({
      code: 'STORE_QUERY_FAILED',
      message: expect.stringMatching(/still paging after 2 pages/),
    });
  });

  it('sends only checked values: an id carrying SQL or a limit of 10000 never reaches the service', async () => {
    const before = standIn.calls.length;
    const ts = adapter();
    await expect(
      ts.machineHistory({ deviceId: "M-0001' OR '1'='1", range: RANGE, limit: 5, window: 5 }),
    ).rejects.toMatchObject({ code: 'INVALID_TOOL_INPUT' });
    await expect(ts.riskRanking({ range: RANGE, limit: 10_000, window: 5 })).rejects.toMatchObject({
      code: 'INVALID_TOOL_INPUT',
    });
    expect(standIn.calls.length).toBe(before);
    await ts.machineHistory({ deviceId: 'M-0002', range: RANGE, limit: 5, window: 5 });
    const sent = standIn.queries().slice(-4);
    expect(sent.some((q) => q.includes("device_id = 'M-0002'"))).toBe(true);
    expect(sent.every((q) => /LIMIT \d+\s*$/.test(q))).toBe(true);
  });

  it.each([
    ['ThrottlingException', 400, true, /throttling queries/],
    [
      'AccessDeniedException',
      403,
      false,
      /not allowed to query pfm\.predictions: the role needs timestream:Select/,
    ],
    ['ValidationException', 400, false, /Timestream refused the query/],
  ])('maps %s to a clear STORE_QUERY_FAILED', async (type, status, retryable, message) => {
    // The SDK retries throttling (3 attempts): fail all of them.
    standIn.failNext(type, status, `injected ${type}`, type === 'ThrottlingException' ? 3 : 1);
    const error = await adapter()
      .dataSpan()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'STORE_QUERY_FAILED', retryable });
    expect((error as Error).message).toMatch(message);
  });

  it('reads the drift table per scope, and reports it unavailable once it is gone', async () => {
    await standIn.putDrift([
      {
        time: T0 + 120_000,
        scope: 'quality:L',
        feature: 'torque_nm',
        psi: 0.12,
        meanShift: 0.4,
        varianceRatio: 1.3,
        cusum: 0.8,
        breached: true,
        state: 'warn',
      },
      { time: T0 + 60_000, feature: 'torque_nm', psi: 0.05, meanShift: 0.1, state: 'ok' },
      { time: T0 + 120_000, feature: 'torque_nm', psi: 0.33, meanShift: 1.1, state: 'drift' },
      { time: T0 + 120_000, feature: 'tool_wear_min', psi: 0.02, meanShift: 0.05, state: 'drift' },
    ]);
    const d = await adapter().driftStatus({ range: RANGE, features: 5 });
    expect(d).toEqual({
      available: true,
      scopes: [
        {
          scope: 'fleet',
          state: 'DRIFT',
          windowEnd: T0 + 120_000,
          modelVersion: 'abc123def456',
          features: [
            {
              feature: 'torque_nm',
              psi: 0.33,
              meanShift: 1.1,
              varianceRatio: null,
              cusum: null,
              breached: null,
            },
            {
              feature: 'tool_wear_min',
              psi: 0.02,
              meanShift: 0.05,
              varianceRatio: null,
              cusum: null,
              breached: null,
            },
          ],
        },
        {
          scope: 'quality:L',
          state: 'WARN',
          windowEnd: T0 + 120_000,
          modelVersion: 'abc123def456',
          features: [
            {
              feature: 'torque_nm',
              psi: 0.12,
              meanShift: 0.4,
              varianceRatio: 1.3,
              cusum: 0.8,
              breached: true,
            },
          ],
        },
      ],
      windowsByState: { OK: 1, WARN: 1, DRIFT: 1 },
    });
    await standIn.dropTable('drift_scores');
    const gone = await adapter().driftStatus({ range: RANGE, features: 5 });
    expect(gone.available).toBe(false);
    expect(gone.unavailableReason).toMatch(/cannot read pfm\.drift_scores \(ValidationException\)/);
  });
});

describe('TimestreamQueries on a fresh LiveAnalytics deployment (columns appear with the first record that writes them)', () => {
  let fresh: TimestreamQueryStandIn;
  beforeAll(async () => {
    fresh = await TimestreamQueryStandIn.start({ database: 'pfm', pageSize: 50 });
    // No failure predicted yet (no predicted_modes column) and nothing quarantined yet (no code, no device_id).
    await fresh.putPredictions(fleetRows().map((r) => ({ ...r, failure: false, predictedModes: [] })));
    await fresh.dropColumns('predictions', ['predicted_modes']);
    await fresh.dropColumns('quarantine', ['event_id', 'stage', 'code', 'device_id', 'reason']);
  });
  afterAll(() => fresh.stop());

  const freshAdapter = () =>
    new TimestreamQueries({
      client: createTimestreamQueryClient({ endpoint: fresh.endpoint, region: 'us-east-1', credentials }),
      database: 'pfm',
    });

  it('answers every tool query instead of failing on the columns not written yet', async () => {
    const ts = freshAdapter();
    const summary = await ts.fleetSummary(RANGE);
    expect(summary).toMatchObject({
      predictions: 90,
      predictedByMode: { TWF: 0, HDF: 0, PWF: 0, OSF: 0, RNF: 0 },
      quarantined: 0,
      quarantinedByCode: {},
    });
    expect((await ts.riskRanking({ range: RANGE, limit: 3, window: 10 }))[0]?.latest.predictedModes).toEqual(
      [],
    );
    const history = await ts.machineHistory({ deviceId: 'M-0002', range: RANGE, limit: 3, window: 5 });
    expect(history.recent).toHaveLength(3);
    expect(history.quarantinedByCode).toEqual({});
    // What answers is the substitution: queried bare, the table's missing column fails the query.
    expect(fresh.queries().some((q) => q.startsWith('DESCRIBE "pfm"."quarantine"'))).toBe(true);
    await expect(ts.query('SELECT code FROM "pfm"."quarantine"', 'quarantine')).rejects.toMatchObject({
      code: 'STORE_QUERY_FAILED',
    });
  });

  it('reads a column as soon as a record has written it (the schema is described again until complete)', async () => {
    const ts = freshAdapter();
    await ts.fleetSummary(RANGE);
    await fresh.addColumn(
      'predictions',
      'predicted_modes',
      'VARCHAR',
      'OSF',
      "device_id = 'M-0002' AND reading_sequence = 29",
    );
    expect((await ts.fleetSummary(RANGE)).predictedByMode.OSF).toBe(1);
  });
});

describe('pageRows', () => {
  it('types scalar columns by ColumnInfo and keeps nulls', () => {
    expect(
      pageRows({
        ColumnInfo: [
          { Name: 'n', Type: { ScalarType: 'BIGINT' } },
          { Name: 'x', Type: { ScalarType: 'DOUBLE' } },
          { Name: 'ok', Type: { ScalarType: 'BOOLEAN' } },
          { Name: 't', Type: { ScalarType: 'TIMESTAMP' } },
          { Name: 's', Type: { ScalarType: 'VARCHAR' } },
        ],
        Rows: [
          {
            Data: [
              { ScalarValue: '42' },
              { ScalarValue: '0.5' },
              { ScalarValue: 'true' },
              { ScalarValue: '2026-01-05 08:00:00.123456789' },
              { NullValue: true },
            ],
          },
        ],
      }),
    ).toEqual([{ n: 42, x: 0.5, ok: true, t: Date.UTC(2026, 0, 5, 8, 0, 0, 123), s: null }]);
  });
});
