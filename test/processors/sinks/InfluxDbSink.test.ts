import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readInferenceConfig } from '../../../processors/config.js';
import type { PredictionRow } from '../../../processors/inference/types.js';
import { PREDICTION_SERIES, SINK_QUARANTINE_CODES } from '../../../processors/sinks/constants.js';
import { createSinks } from '../../../processors/sinks/createSinks.js';
import { InfluxDbSink, type InfluxDbSinkOptions } from '../../../processors/sinks/InfluxDbSink.js';
import { restoreLineBreaks, tagValueProblem } from '../../../processors/sinks/lineProtocol.js';
import { INFLUXD, skipWithout } from '../../helpers/engines.js';
import { type InfluxSeries, useInfluxServer } from '../../helpers/influxServer.js';
import {
  fleetCases,
  fleetPredictions,
  goldenPrediction,
  quarantineRow,
  type StoredPrediction,
} from './rows.js';

const skip = skipWithout(INFLUXD, 'test/processors/sinks/InfluxDbSink.test.ts');

const ADMIN = { username: 'admin', password: 'pfm-test-password' };

/**
 * Rows of a query result as objects keyed by column, nulls (fields a point does not have) left out, line breaks
 * restored in strings (the sink writes them as U+2424/U+240D: line protocol cannot carry them).
 */
function objects(series: InfluxSeries[]): Record<string, unknown>[] {
  return series.flatMap((s) =>
    s.values.map((v) =>
      Object.fromEntries(
        s.columns
          .map((c, i) => [c, typeof v[i] === 'string' ? restoreLineBreaks(v[i] as string) : v[i]])
          .filter(([, value]) => value !== null),
      ),
    ),
  );
}

/** A prediction as its point must read back: time, the two tags, the fields. */
function asPoint(time: number, { dimensions, values }: StoredPrediction): Record<string, unknown> {
  return { time, ...dimensions, ...values };
}

/** A change to a fleet row, and the same change written out as the stored tags and fields it must give. */
interface Edit {
  row: Partial<PredictionRow>;
  dimensions?: Record<string, string>;
  values?: Record<string, unknown>;
}

function edited({ row, stored }: { row: PredictionRow; stored: StoredPrediction }, edit: Edit) {
  return {
    row: { ...row, ...edit.row },
    stored: {
      dimensions: { ...stored.dimensions, ...edit.dimensions },
      values: { ...stored.values, ...edit.values },
    },
  };
}

describe.skipIf(skip)('InfluxDbSink against a real InfluxDB 1.x server', () => {
  const influx = useInfluxServer({ admin: ADMIN });

  async function sink(
    options: Partial<InfluxDbSinkOptions> = {},
  ): Promise<{ sink: InfluxDbSink; db: string }> {
    const db = options.database ?? (await influx.freshDatabase());
    const s = new InfluxDbSink({
      url: influx.server.url,
      database: db,
      auth: { kind: 'password', ...ADMIN },
      ...options,
    });
    return { sink: s, db };
  }

  async function predictionsIn(db: string): Promise<Record<string, unknown>[]> {
    return objects(await influx.server.query(`SELECT * FROM "${PREDICTION_SERIES.influxMeasurement}"`, db));
  }

  it('stores a prediction as the tags and fields written out by hand', async () => {
    const golden = goldenPrediction(Date.now() - 10_000);
    const { sink: s, db } = await sink();
    expect((await s.writePredictions([golden.row])).rejected).toEqual([]);
    expect(await predictionsIn(db)).toEqual([
      {
        time: golden.row.time,
        device_id: 'M-0042',
        quality_type: 'H',
        model_name: 'pfm-failure-mlp',
        model_sequence: 3,
        firmware: 'fw-3.1.4',
        reading_digest: '5eed0123456789abcdef0123456789ab',
        p_twf: 0.125,
        p_hdf: 0.9875,
        p_pwf: 0.0625,
        p_osf: 0.875,
        p_rnf: 0.001,
        p_any: 0.96875,
        failure: true,
        predicted_modes: 'HDF|OSF',
        air_temperature_k: 301.5,
        process_temperature_k: 311.25,
        rotational_speed_rpm: 1388,
        torque_nm: 57.75,
        tool_wear_min: 211,
        model_version: '0123456789ab',
        reading_sequence: 4242,
        event_id: 'shardId-000000000003:49650000000000000000004242',
      },
    ]);
  });

  it('the same predictions read back identical, special characters included', async () => {
    const cases = fleetCases(3_000, { devices: 30 });
    const odd: Edit[] = [
      {
        row: { deviceId: 'M 7,a=b', firmware: 'fw 2,3=4' },
        dimensions: { device_id: 'M 7,a=b' },
        values: { firmware: 'fw 2,3=4' },
      },
      {
        row: { deviceId: 'Mä-ü€-機械', qualityType: 'H' },
        dimensions: { device_id: 'Mä-ü€-機械', quality_type: 'H' },
      },
      {
        row: { deviceId: 'M"quoted"', firmware: 'fw\\win' },
        dimensions: { device_id: 'M"quoted"' },
        values: { firmware: 'fw\\win' },
      },
      {
        row: {
          source: { eventId: 'shard "x"\\y:1\nnext', sequenceNumber: '1', partitionKey: 'p', arrivalTime: 1 },
        },
        values: { event_id: 'shard "x"\\y:1\nnext' },
      },
      {
        row: {
          probabilities: { TWF: 1e-300, HDF: 0.1 + 0.2, PWF: 1 - 1e-16, OSF: 0, RNF: 5e-324 },
          toolWearMin: 0,
        },
        values: {
          p_twf: 1e-300,
          p_hdf: 0.1 + 0.2,
          p_pwf: 1 - 1e-16,
          p_osf: 0,
          p_rnf: 5e-324,
          tool_wear_min: 0,
        },
      },
      {
        row: { predictedModes: ['HDF', 'OSF'], failure: true, modelVersion: 'v "2", \\beta' },
        values: { predicted_modes: 'HDF|OSF', failure: true, model_version: 'v "2", \\beta' },
      },
    ];
    odd.forEach((edit, i) => {
      cases[i] = edited(cases[i] as (typeof cases)[number], edit);
    });
    const rows = cases.map((c) => c.row);
    const { sink: s, db } = await sink({ batchLines: 700 });
    expect((await s.writePredictions(rows)).rejected).toEqual([]);

    const got = await predictionsIn(db);
    expect(got).toHaveLength(rows.length);
    const key = (p: Record<string, unknown>) => `${String(p.device_id)}|${String(p.time)}`;
    const byKey = new Map(got.map((p) => [key(p), p]));
    for (const { row, stored } of cases) {
      const point = asPoint(row.time, stored);
      expect(byKey.get(key(point))).toEqual(point);
    }
  });

  it('arbitrary text in tags and string fields reads back unchanged (property, 400 generated rows)', async () => {
    const tag = fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 24 })
      .filter((t) => tagValueProblem(t) === undefined && !/[\u2424\u240d]/.test(t));
    // The line-break symbols themselves are the one documented loss (they read back as line breaks).
    const text = fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 40 })
      .filter((t) => !/[\u2424\u240d]/.test(t));
    const probability = fc.double({ min: 0, max: 1, noNaN: true });
    const generated = fc.sample(
      fc.record({
        deviceId: tag,
        firmware: tag,
        modelName: tag,
        modelVersion: text,
        eventId: text,
        p: probability,
        torque: fc.double({ noNaN: true, noDefaultInfinity: true }),
      }),
      { seed: 20_250_620, numRuns: 400 },
    );
    const base = fleetCases(400);
    const start = Date.now() - 3_600_000;
    const cases = generated.map((g, i) =>
      edited(base[i] as (typeof base)[number], {
        row: {
          time: start + i, // one point per row whatever its generated tags
          deviceId: g.deviceId,
          firmware: g.firmware,
          modelName: g.modelName,
          modelVersion: g.modelVersion,
          anyFailureProbability: g.p,
          torqueNm: g.torque,
          source: { eventId: g.eventId, sequenceNumber: String(i), partitionKey: g.deviceId, arrivalTime: 1 },
        },
        dimensions: { device_id: g.deviceId },
        values: {
          firmware: g.firmware,
          model_name: g.modelName,
          model_version: g.modelVersion,
          p_any: g.p,
          torque_nm: g.torque,
          event_id: g.eventId,
        },
      }),
    );
    const rows = cases.map((c) => c.row);
    const { sink: s, db } = await sink();
    expect((await s.writePredictions(rows)).rejected).toEqual([]);
    const got = await predictionsIn(db);
    const byTime = new Map(got.map((p) => [p.time, p]));
    expect(got).toHaveLength(rows.length);
    for (const { row, stored } of cases) expect(byTime.get(row.time)).toEqual(asPoint(row.time, stored));
  });

  it('a redelivered batch leaves no duplicates; a newer model overwrites every field', async () => {
    const cases = fleetCases(2_000);
    const rows = cases.map((c) => c.row);
    const { sink: s, db } = await sink();
    await s.writePredictions(rows);
    await s.writePredictions(rows.slice(500));
    await s.writePredictions(rows);
    const [count] = objects(await influx.server.query('SELECT count("p_any") FROM "prediction"', db));
    expect(count?.count).toBe(2_000);

    const rescored = cases.map((c) =>
      edited(c, {
        row: {
          modelVersion: 'model-b',
          modelSequence: 2,
          anyFailureProbability: c.row.anyFailureProbability / 3,
        },
        values: {
          model_version: 'model-b',
          model_sequence: 2,
          p_any: (c.stored.values.p_any as number) / 3,
        },
      }),
    );
    await s.writePredictions(rescored.map((c) => c.row));
    const got = await predictionsIn(db);
    expect(got).toHaveLength(2_000);
    const byEvent = new Map(got.map((p) => [p.event_id, p]));
    for (const { row, stored } of rescored) {
      expect(byEvent.get(row.source.eventId)).toEqual(asPoint(row.time, stored));
    }
  });

  it('turns a partial write (field type conflict) into quarantine rows for exactly the refused points', async () => {
    const { sink: s, db } = await sink({ batchLines: 64 });
    const rows = fleetPredictions(1_000);
    // Field types are fixed per shard (one per 7 days here): p_any as a string 60 days back poisons that week only.
    const oldWeek = (rows[0] as PredictionRow).time - 60 * 86_400_000;
    const conflict = await fetch(`${influx.server.url}/write?db=${db}&precision=ms`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${ADMIN.username}:${ADMIN.password}`).toString('base64')}`,
      },
      body: `prediction,device_id=X p_any="not a number" ${oldWeek}`,
    });
    expect(conflict.status).toBe(204);
    const victims = [17, 230, 231, 604, 999];
    for (const i of victims) rows[i] = { ...(rows[i] as PredictionRow), time: oldWeek + i };

    const { rejected } = await s.writePredictions(rows);
    expect(rejected.map((q) => q.source.eventId)).toEqual(victims.map((i) => rows[i]?.source.eventId));
    for (const q of rejected) {
      expect(q).toMatchObject({
        stage: 'sink',
        code: SINK_QUARANTINE_CODES.influxRejected,
        receivedAt: q.source.arrivalTime,
      });
      expect(q.reason).toMatch(
        /partial write: field type conflict: input field "p_any" on measurement "prediction"/,
      );
    }
    const written = (await predictionsIn(db)).filter((p) => p.device_id !== 'X');
    expect(written).toHaveLength(1_000 - victims.length);
  });

  it('refuses, without sending, a point line protocol cannot carry', async () => {
    const { sink: s, db } = await sink();
    const rows = fleetPredictions(4);
    rows[1] = { ...(rows[1] as PredictionRow), deviceId: 'M-1\nprediction p_any=1' };
    rows[2] = { ...(rows[2] as PredictionRow), torqueNm: Number.POSITIVE_INFINITY };
    const { rejected } = await s.writePredictions(rows);
    expect(rejected.map((q) => [q.source.eventId, q.code])).toEqual([
      [rows[1]?.source.eventId, SINK_QUARANTINE_CODES.invalidRecord],
      [rows[2]?.source.eventId, SINK_QUARANTINE_CODES.invalidRecord],
    ]);
    expect(rejected[0]?.reason).toBe('tag device_id contains a line break');
    expect(await predictionsIn(db)).toHaveLength(2);
  });

  it('stores quarantined records in measurement quarantine with their raw bytes', async () => {
    const { sink: s, db } = await sink();
    const big = new Uint8Array(100_000).map((_, i) => (i * 7) % 256);
    const at = Date.now() - 2_000;
    await s.quarantine([
      quarantineRow(1, { receivedAt: at }),
      quarantineRow(2, { receivedAt: at }),
      quarantineRow(3, {
        receivedAt: at,
        stage: 'validate',
        code: 'OUT_OF_RANGE',
        deviceId: 'M 9',
        raw: big,
      }),
    ]);
    const got = objects(await influx.server.query('SELECT * FROM "quarantine"', db)).sort((a, b) =>
      String(a.event_id).localeCompare(String(b.event_id)),
    );
    expect(got).toHaveLength(3);
    expect(got[0]).toEqual({
      time: at,
      event_id: 'shardId-000000000001:1',
      stage: 'decode',
      code: 'BAD_MARKER',
      shard_id: 'shardId-000000000001',
      device_id: '',
      sequence_number: '1',
      partition_key: 'M-0002',
      reason: 'not a single-object encoded message',
      raw_base64: Buffer.from([0xde, 0xad, 1]).toString('base64'),
      raw_bytes: 3,
      raw_sha256: createHash('sha256')
        .update(Buffer.from([0xde, 0xad, 1]))
        .digest('hex'),
      raw_truncated: false,
    });
    expect(got[2]).toMatchObject({ device_id: 'M 9', raw_bytes: 100_000, raw_truncated: true });
    const prefix = Buffer.from(String(got[2]?.raw_base64), 'base64');
    expect(prefix.length).toBe(36_864);
    expect(Buffer.from(big.subarray(0, prefix.length)).equals(prefix)).toBe(true);
  });

  it.each([
    [
      'a wrong password',
      { auth: { kind: 'password', username: 'admin', password: 'wrong' } as const },
      /HTTP 401/,
    ],
    ['an unknown database', { database: 'no_such_db' }, /HTTP 404 database not found/],
    ['an unknown retention policy', { retentionPolicy: 'weekly' }, /retention policy not found/],
  ])('%s is a non-retryable SINK_REJECTED', async (_, options, message) => {
    const { sink: s } = await sink(options);
    const error = await s.writePredictions(fleetPredictions(3)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SINK_REJECTED', retryable: false });
    expect(String((error as Error).message)).toMatch(message);
  });

  it('is what createSinks builds from PFM_SINK=influxdb', async () => {
    const db = await influx.freshDatabase();
    const config = readInferenceConfig({
      PFM_SINK: 'influxdb',
      INFLUXDB_URL: influx.server.url,
      INFLUXDB_DATABASE: db,
      INFLUXDB_USERNAME: ADMIN.username,
      INFLUXDB_PASSWORD: ADMIN.password,
    });
    const sinks = await createSinks(config);
    try {
      expect(sinks.sink).toBeInstanceOf(InfluxDbSink);
      await sinks.sink.writePredictions(fleetPredictions(10));
      await sinks.quarantine.quarantine([quarantineRow(1)]);
      expect(await predictionsIn(db)).toHaveLength(10);
      expect(objects(await influx.server.query('SELECT * FROM "quarantine"', db))).toHaveLength(1);
    } finally {
      await sinks.close();
    }
  });
  describe('identity, escaping and cardinality (issue 13)', () => {
    async function quarantineIn(db: string): Promise<Record<string, unknown>[]> {
      return objects(await influx.server.query('SELECT * FROM "quarantine"', db));
    }

    it('a device id ending in a backslash is refused as a tag and still quarantined: the batch is not lost', async () => {
      const { sink: s, db } = await sink();
      const rows = fleetPredictions(3);
      rows[1] = { ...(rows[1] as PredictionRow), deviceId: 'M-1\\' };
      const { rejected } = await s.writePredictions(rows);
      expect(rejected.map((q) => q.code)).toEqual([SINK_QUARANTINE_CODES.invalidRecord]);
      await s.quarantine(rejected);
      expect(await quarantineIn(db)).toMatchObject([{ device_id: 'M-1\\', code: 'SINK_RECORD_INVALID' }]);
      expect(await predictionsIn(db)).toHaveLength(2);
    });

    it('event_id is not a tag of the quarantine series: series stay few however many records are quarantined', async () => {
      const { sink: s, db } = await sink();
      const at = Date.now() - 2_000;
      await s.quarantine(Array.from({ length: 50 }, (_, i) => quarantineRow(i, { receivedAt: at })));
      const keys = (await influx.server.query('SHOW TAG KEYS FROM "quarantine"', db)).flatMap((r) =>
        r.values.flat(),
      );
      expect(keys).not.toContain('event_id');
      expect(
        await influx.server.query('SHOW SERIES FROM "quarantine"', db).then((r) => r[0]?.values.length),
      ).toBe(1);
      // 50 records of the same millisecond, stage and code: still 50 points.
      expect(await quarantineIn(db)).toHaveLength(50);
    });

    it('a redelivered quarantine row lands on the same point', async () => {
      const { sink: s, db } = await sink();
      const rows = [quarantineRow(1), quarantineRow(2)];
      await s.quarantine(rows);
      await s.quarantine([
        rows[1] as (typeof rows)[number],
        { ...(rows[0] as (typeof rows)[number]), reason: 'again' },
      ]);
      expect((await quarantineIn(db)).map((q) => q.reason)).toEqual([
        'not a single-object encoded message',
        'not a single-object encoded message',
      ]);
    });

    it('line breaks in string fields are not written raw (line protocol cannot carry them)', async () => {
      const { sink: s, db } = await sink();
      await s.quarantine([
        quarantineRow(1, { reason: 'first line\nsecond line\r\nthird', deviceId: 'M-\n1' }),
      ]);
      const [series] = await influx.server.query('SELECT "reason", "device_id" FROM "quarantine"', db);
      expect(series?.values).toEqual([
        [expect.any(Number), 'first line\u2424second line\u240d\u2424third', 'M-\u24241'],
      ]);
      // The sink's readers restore them (restoreLineBreaks).
      expect(await quarantineIn(db)).toMatchObject([
        { reason: 'first line\nsecond line\r\nthird', device_id: 'M-\n1' },
      ]);
    });

    it('a re-score by a newer model replaces every field, predicted modes included', async () => {
      const { sink: s, db } = await sink();
      const [first] = fleetPredictions(1);
      const alarmed = { ...(first as PredictionRow), predictedModes: ['HDF' as const], failure: true };
      await s.writePredictions([alarmed]);
      const calm = {
        ...alarmed,
        predictedModes: [],
        failure: false,
        modelVersion: 'model-b',
        modelSequence: 2,
      };
      expect((await s.writePredictions([calm])).rejected).toEqual([]);
      const got = await predictionsIn(db);
      expect(got).toHaveLength(1);
      expect(got[0]).toMatchObject({ predicted_modes: '', failure: false, model_version: 'model-b' });
    });

    it('a different reading of a stored identity is a READING_CONFLICT; duplicates and older models are absorbed', async () => {
      const { sink: s, db } = await sink();
      const cases = fleetCases(10).map((c) =>
        edited(c, {
          row: { modelSequence: 2, modelVersion: 'model-b' },
          values: { model_sequence: 2, model_version: 'model-b' },
        }),
      );
      const rows = cases.map((c) => c.row);
      await s.writePredictions(rows);
      const duplicates = rows.map((r, i) => ({
        ...r,
        source: { ...r.source, eventId: `shardId-000000000000:${5_000 + i}` },
      }));
      const older = rows.map((r) => ({
        ...r,
        modelSequence: 1,
        modelVersion: 'model-a',
        anyFailureProbability: 0.99,
      }));
      const conflicting = rows.map((r, i) => ({
        ...r,
        torqueNm: r.torqueNm + 1,
        readingDigest: `${i}`.padStart(32, 'd'),
        modelSequence: 3,
      }));
      expect((await s.writePredictions(duplicates)).rejected).toEqual([]);
      expect((await s.writePredictions(older)).rejected).toEqual([]);
      const { rejected } = await s.writePredictions(conflicting);
      expect(rejected.map((q) => q.code)).toEqual(Array(10).fill('READING_CONFLICT'));
      const got = await predictionsIn(db);
      const byTime = new Map(got.map((p) => [`${String(p.device_id)}|${String(p.time)}`, p]));
      for (const { row, stored } of cases) {
        expect(byTime.get(`${row.deviceId}|${row.time}`)).toEqual(asPoint(row.time, stored));
      }
    });
  });
});
