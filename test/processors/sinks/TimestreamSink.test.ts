import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PfmError } from '../../../kernel/errors.js';
import type { PredictionRow } from '../../../processors/inference/types.js';
import { SINK_QUARANTINE_CODES } from '../../../processors/sinks/constants.js';
import { TimestreamSink, type TimestreamSinkOptions } from '../../../processors/sinks/TimestreamSink.js';
import {
  type InjectableError,
  type StoredRecord,
  TimestreamStandIn,
} from '../../helpers/timestreamStandIn.js';
import {
  type FleetPrediction,
  fleetCases,
  fleetPredictions,
  goldenPrediction,
  quarantineRow,
  standInClient,
} from './rows.js';

const DB = 'pfm';
let standIn: TimestreamStandIn;
let client: ReturnType<typeof standInClient>;
const noSleep = async (): Promise<void> => undefined;

beforeAll(async () => {
  standIn = await TimestreamStandIn.start();
  client = standInClient(standIn.endpoint);
});
afterAll(async () => {
  client.destroy();
  await standIn.stop();
});
beforeEach(() => standIn.reset());

function sink(options: Partial<TimestreamSinkOptions> = {}): TimestreamSink {
  return new TimestreamSink({ client, database: DB, sleep: noSleep, ...options });
}

/** The stored record's measures as typed values. */
function values(record: StoredRecord): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(record.measures).map(([name, m]) => [
      name,
      m.type === 'DOUBLE' || m.type === 'BIGINT'
        ? Number(m.value)
        : m.type === 'BOOLEAN'
          ? m.value === 'true'
          : m.value,
    ]),
  );
}

/**
 * What a prediction must look like in the table: its expected stored form (see rows.ts) at its time, no predicted
 * mode written as 'none' (Timestream refuses an empty value).
 */
function expected({ row, stored }: FleetPrediction, version: number) {
  const values = { ...stored.values, predicted_modes: stored.values.predicted_modes || 'none' };
  return { measureName: 'prediction', time: row.time, version, dimensions: stored.dimensions, values };
}

/** The prediction records (for the predictions table: not the claims) as plain values. */
function stored(table = 'predictions') {
  const records = standIn.records(DB, table).filter((r) => r.measureName !== 'reading_digest');
  return records.map((r) => ({
    measureName: r.measureName,
    time: r.time,
    version: r.version,
    dimensions: r.dimensions,
    values: values(r),
  }));
}

function byKey<T extends { dimensions: Record<string, string>; time: number }>(items: T[]): Map<string, T> {
  return new Map(items.map((i) => [`${i.dimensions.device_id}|${i.time}`, i]));
}

describe('TimestreamSink', () => {
  it('stores a prediction as the multi-measure record written out by hand', async () => {
    const golden = goldenPrediction(Date.now() - 10_000);
    expect((await sink().writePredictions([golden.row])).rejected).toEqual([]);
    const [record, claim] = standIn
      .records(DB, 'predictions')
      .sort((a, b) => a.measureName.localeCompare(b.measureName));
    // The claim on the reading's identity: Version 1 always, its digest the one measure.
    expect(claim).toMatchObject({
      measureName: 'reading_digest',
      time: golden.row.time,
      version: 1,
      dimensions: { device_id: 'M-0042' },
      measures: { reading_digest: { type: 'VARCHAR', value: '5eed0123456789abcdef0123456789ab' } },
    });
    expect(record).toMatchObject({
      measureName: 'prediction',
      time: golden.row.time,
      version: 3,
      dimensions: {
        device_id: 'M-0042',
        quality_type: 'H',
      },
      measures: {
        p_twf: { type: 'DOUBLE', value: '0.125' },
        p_hdf: { type: 'DOUBLE', value: '0.9875' },
        p_pwf: { type: 'DOUBLE', value: '0.0625' },
        p_osf: { type: 'DOUBLE', value: '0.875' },
        p_rnf: { type: 'DOUBLE', value: '0.001' },
        p_any: { type: 'DOUBLE', value: '0.96875' },
        failure: { type: 'BOOLEAN', value: 'true' },
        predicted_modes: { type: 'VARCHAR', value: 'HDF|OSF' },
        air_temperature_k: { type: 'DOUBLE', value: '301.5' },
        process_temperature_k: { type: 'DOUBLE', value: '311.25' },
        rotational_speed_rpm: { type: 'DOUBLE', value: '1388' },
        torque_nm: { type: 'DOUBLE', value: '57.75' },
        tool_wear_min: { type: 'DOUBLE', value: '211' },
        model_name: { type: 'VARCHAR', value: 'pfm-failure-mlp' },
        model_version: { type: 'VARCHAR', value: '0123456789ab' },
        model_sequence: { type: 'BIGINT', value: '3' },
        firmware: { type: 'VARCHAR', value: 'fw-3.1.4' },
        reading_sequence: { type: 'BIGINT', value: '4242' },
        reading_digest: { type: 'VARCHAR', value: '5eed0123456789abcdef0123456789ab' },
        event_id: { type: 'VARCHAR', value: 'shardId-000000000003:49650000000000000000004242' },
      },
    });
    expect(Object.keys(record?.measures ?? {})).toHaveLength(20);
    expect(stored()).toEqual([expected(golden, 3)]);
  });

  it('writes 10,000 predictions in 100 claim and 100 prediction calls, every value intact', async () => {
    const cases = fleetCases(10_000);
    const rows = cases.map((c) => c.row);
    const { rejected } = await sink().writePredictions(rows);
    expect(rejected).toEqual([]);
    const calls = standIn.writeCalls;
    expect(calls).toHaveLength(200);
    expect(calls.every((c) => c.records === 100 && c.status === 200 && c.table === 'predictions')).toBe(true);
    expect(calls.every((c) => c.contentType === 'application/x-amz-json-1.0' && c.signed)).toBe(true);
    // An explicit endpoint skips endpoint discovery.
    expect(standIn.calls.some((c) => c.target.endsWith('DescribeEndpoints'))).toBe(false);
    const got = byKey(stored());
    expect(got.size).toBe(10_000);
    for (const c of cases) expect(got.get(`${c.row.deviceId}|${c.row.time}`)).toEqual(expected(c, 1));
  });

  it('keeps at most `concurrency` calls in flight', async () => {
    standIn.setLatency(20);
    try {
      for (const concurrency of [1, 4]) {
        standIn.reset();
        await sink({ concurrency }).writePredictions(fleetPredictions(1_200));
        expect(standIn.maxInFlight).toBe(concurrency);
      }
    } finally {
      standIn.setLatency(0);
    }
  });

  it.each<InjectableError>(['ThrottlingException', 'InternalServerException'])(
    'retries %s until every record lands, exactly once',
    async (error) => {
      standIn.failEachRequest(error, 2);
      const rows = fleetPredictions(10_000);
      const { rejected } = await sink().writePredictions(rows);
      expect(rejected).toEqual([]);
      expect(standIn.writeCalls).toHaveLength(600);
      expect(standIn.writeCalls.filter((c) => c.errorType === error)).toHaveLength(400);
      const all = stored();
      expect(all).toHaveLength(10_000);
      expect(byKey(all).size).toBe(10_000);
    },
  );

  it('backs off with full jitter and, retries used up, throws a retryable SINK_UNAVAILABLE', async () => {
    standIn.failEachRequest('ThrottlingException', 99);
    const delays: number[] = [];
    const s = sink({
      retry: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 250 },
      random: () => 0.5,
      sleep: async (ms) => {
        delays.push(ms);
      },
    });
    const error = await s.writePredictions(fleetPredictions(50)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PfmError);
    expect(error).toMatchObject({ code: 'SINK_UNAVAILABLE', retryable: true });
    expect(String((error as Error).message)).toMatch(/after 4 attempts.*ThrottlingException/);
    expect(standIn.writeCalls).toHaveLength(4);
    // random 0.5 of min(250, 100 * 2^(attempt-1)).
    expect(delays).toEqual([50, 100, 125]);
  });

  it.each<InjectableError>(['ValidationException', 'AccessDeniedException', 'ResourceNotFoundException'])(
    'does not retry %s: non-retryable SINK_REJECTED after one call',
    async (error) => {
      standIn.failNext(error, 1);
      const failure = await sink()
        .writePredictions(fleetPredictions(50))
        .catch((e: unknown) => e);
      expect(failure).toMatchObject({ code: 'SINK_REJECTED', retryable: false });
      expect(String((failure as Error).message)).toContain(error);
      expect(standIn.writeCalls).toHaveLength(1);
    },
  );

  it('an unknown table is a non-retryable error', async () => {
    const strict = await TimestreamStandIn.start({ tables: ['pfm.predictions'] });
    const strictClient = standInClient(strict.endpoint);
    try {
      const s = new TimestreamSink({ client: strictClient, database: DB, table: 'nope' });
      await expect(s.writePredictions(fleetPredictions(5))).rejects.toMatchObject({
        code: 'SINK_REJECTED',
        retryable: false,
      });
    } finally {
      strictClient.destroy();
      await strict.stop();
    }
  });

  it('quarantines the records Timestream rejects, with its reason, and does not resend the rest', async () => {
    const rows = fleetPredictions(1_000);
    rows[3] = { ...(rows[3] as PredictionRow), time: Date.now() - 3 * 86_400_000 }; // outside the memory store
    standIn.rejectWhere((r) =>
      r.dimensions.device_id === 'M-0042' ? 'The record is not wanted here.' : undefined,
    );
    const { rejected } = await sink().writePredictions(rows);

    const expectedRejected = rows.filter((r, i) => i === 3 || r.deviceId === 'M-0042');
    expect(rejected.map((q) => q.source.eventId).sort()).toEqual(
      expectedRejected.map((r) => r.source.eventId).sort(),
    );
    for (const q of rejected) {
      expect(q).toMatchObject({
        stage: 'sink',
        code: SINK_QUARANTINE_CODES.timestreamRejected,
        receivedAt: q.source.arrivalTime,
      });
      expect(JSON.parse(new TextDecoder().decode(q.raw))).toMatchObject({ deviceId: q.deviceId });
    }
    expect(rejected.find((q) => q.source.eventId === rows[3]?.source.eventId)?.reason).toMatch(
      /outside the time range/,
    );
    expect(
      rejected
        .filter((q) => q.deviceId === 'M-0042')
        .every((q) => q.reason === 'The record is not wanted here.'),
    ).toBe(true);
    // Ten calls of 100 claims, then predictions for the claimed rows only; none sent again: the accepted
    // records of a call with rejections are already written.
    expect(standIn.writeCalls.map((c) => c.records)).toEqual([
      ...Array(10).fill(100),
      ...Array(9).fill(100),
      89,
    ]);
    expect(stored()).toHaveLength(1_000 - expectedRejected.length);
  });

  it('refuses, without sending, a row that cannot be a valid record', async () => {
    const rows = fleetPredictions(10);
    rows[2] = { ...(rows[2] as PredictionRow), anyFailureProbability: Number.NaN };
    rows[5] = { ...(rows[5] as PredictionRow), firmware: '' };
    const { rejected } = await sink().writePredictions(rows);
    expect(rejected.map((q) => [q.source.eventId, q.code])).toEqual([
      [rows[2]?.source.eventId, SINK_QUARANTINE_CODES.invalidRecord],
      [rows[5]?.source.eventId, SINK_QUARANTINE_CODES.invalidRecord],
    ]);
    expect(rejected[0]?.reason).toMatch(/p_any is NaN/);
    expect(rejected[1]?.reason).toMatch(/measure firmware is empty/);
    expect(stored()).toHaveLength(8);
  });

  it('a redelivered batch leaves no duplicates and no rejections', async () => {
    const rows = fleetPredictions(2_500);
    const s = sink();
    await s.writePredictions(rows);
    expect((await s.writePredictions(rows)).rejected).toEqual([]);
    expect((await s.writePredictions(rows.slice(1_000))).rejected).toEqual([]);
    expect((await s.writePredictions([...rows.slice(0, 50), ...rows.slice(0, 50)])).rejected).toEqual([]);
    const all = stored();
    expect(all).toHaveLength(2_500);
    expect(byKey(all).size).toBe(2_500);
  });

  it('version semantics: a newer model overwrites, an older model replaying is absorbed', async () => {
    const cases = fleetCases(300);
    const original = cases.map(({ row }) => ({ ...row, modelVersion: 'model-a', modelSequence: 100 }));
    const rescored = cases.map(
      ({ row, stored: s }): FleetPrediction => ({
        row: {
          ...row,
          modelVersion: 'model-b',
          modelSequence: 200,
          anyFailureProbability: row.anyFailureProbability / 2,
          probabilities: { ...row.probabilities, HDF: row.probabilities.HDF / 2 },
        },
        stored: {
          dimensions: s.dimensions,
          values: {
            ...s.values,
            model_version: 'model-b',
            model_sequence: 200,
            p_any: (s.values.p_any as number) / 2,
            p_hdf: (s.values.p_hdf as number) / 2,
          },
        },
      }),
    );
    await sink().writePredictions(original);
    expect((await sink().writePredictions(rescored.map((c) => c.row))).rejected).toEqual([]);
    let got = byKey(stored());
    expect(got.size).toBe(300);
    for (const c of rescored) expect(got.get(`${c.row.deviceId}|${c.row.time}`)).toEqual(expected(c, 200));

    // Timestream refuses the older Version (ExistingVersion 200); the claim proved the same reading: absorbed.
    expect((await sink().writePredictions(original)).rejected).toEqual([]);
    expect(standIn.writeCalls.at(-1)?.errorType).toBe('RejectedRecordsException');
    got = byKey(stored());
    for (const { row } of rescored)
      expect(got.get(`${row.deviceId}|${row.time}`)?.values.model_version).toBe('model-b');
  });

  it('the same model scoring a different reading of a stored identity: READING_CONFLICT', async () => {
    const rows = fleetPredictions(5);
    await sink().writePredictions(rows);
    const changed = rows.map((r, i) => ({
      ...r,
      torqueNm: r.torqueNm + 1,
      readingDigest: `${i}`.padStart(32, 'c'),
    }));
    const { rejected } = await sink().writePredictions(changed);
    expect(rejected.map((q) => q.code)).toEqual(Array(5).fill('READING_CONFLICT'));
    expect(rejected[0]?.reason).toMatch(/^a different reading of M-0000 at .* is already stored/);
  });

  it('stores quarantined records in the quarantine table, raw bytes base64, cut to fit 2 KB honestly', async () => {
    const big = new Uint8Array(10_000).map((_, i) => i % 251);
    const at = Date.now() - 5_000;
    const rows = [
      quarantineRow(1, { receivedAt: at }),
      quarantineRow(2, { receivedAt: at }), // same time, stage and code: still its own record
      quarantineRow(3, {
        receivedAt: at,
        stage: 'validate',
        code: 'OUT_OF_RANGE',
        deviceId: 'M-0009',
        raw: big,
      }),
    ];
    await sink().quarantine(rows);
    const got = standIn
      .records(DB, 'quarantine')
      .sort((a, b) => (a.dimensions.event_id ?? '').localeCompare(b.dimensions.event_id ?? ''));
    expect(got).toHaveLength(3);
    expect(got[0]).toMatchObject({
      measureName: 'quarantine',
      time: at,
      dimensions: { event_id: 'shardId-000000000001:1' },
    });
    expect(values(got[0] as StoredRecord)).not.toHaveProperty('device_id');
    expect(values(got[0] as StoredRecord)).toMatchObject({
      stage: 'decode',
      code: 'BAD_MARKER',
      shard_id: 'shardId-000000000001',
      raw_base64: Buffer.from([0xde, 0xad, 1]).toString('base64'),
      raw_bytes: 3,
      raw_truncated: false,
      reason: 'not a single-object encoded message',
      sequence_number: '1',
      partition_key: 'M-0002',
    });
    const third = values(got[2] as StoredRecord);
    expect(third).toMatchObject({ device_id: 'M-0009', raw_bytes: 10_000, raw_truncated: true });
    const prefix = Buffer.from(String(third.raw_base64), 'base64');
    expect(prefix.length).toBeGreaterThan(500);
    expect(Buffer.from(big.subarray(0, prefix.length)).equals(prefix)).toBe(true);
    expect(third.raw_sha256).toBe(
      (await import('node:crypto')).createHash('sha256').update(big).digest('hex'),
    );
  });

  it('fails the quarantine call when Timestream rejects a quarantine record (there is nowhere left to put it)', async () => {
    standIn.rejectWhere(() => 'The record is not wanted here.');
    await expect(sink().quarantine([quarantineRow(1)])).rejects.toMatchObject({
      code: 'SINK_REJECTED',
      retryable: false,
    });
  });
  describe('the identity policy (schemas/README.md, "Identity")', () => {
    const other = (row: PredictionRow, event: string): PredictionRow => ({
      ...row,
      source: { ...row.source, eventId: event, sequenceNumber: event.split(':')[1] ?? event },
    });
    const predictions = () =>
      standIn.records(DB, 'predictions').filter((r) => r.measureName === 'prediction');

    it("absorbs a producer's second put of the same reading (another record, same content)", async () => {
      const rows = fleetPredictions(20);
      await sink().writePredictions(rows);
      const again = rows.map((r, i) => other(r, `shardId-000000000000:${9_000_000 + i}`));
      expect((await sink().writePredictions(again)).rejected).toEqual([]);
      expect(predictions()).toHaveLength(20);
    });

    it('quarantines a different reading of a stored identity as READING_CONFLICT, even scored by a newer model', async () => {
      const rows = fleetPredictions(4).map((r) => ({ ...r, modelSequence: 100 }));
      await sink().writePredictions(rows);
      const conflicting = rows.map((r, i) => ({
        ...other(r, `shardId-000000000000:${8_000_000 + i}`),
        torqueNm: r.torqueNm + 1,
        readingDigest: 'f'.repeat(31) + String(i),
        modelSequence: 200,
        modelVersion: 'model-b',
      }));
      const { rejected } = await sink().writePredictions(conflicting);
      expect(rejected.map((q) => q.code)).toEqual(Array(4).fill('READING_CONFLICT'));
      expect(rejected.map((q) => q.receivedAt)).toEqual(conflicting.map((r) => r.source.arrivalTime));
      // The first stored readings are untouched.
      const got = byKey(stored().filter((r) => r.measureName === 'prediction'));
      for (const row of rows)
        expect(got.get(`${row.deviceId}|${row.time}`)?.values.torque_nm).toBe(row.torqueNm);
    });

    it('a re-score by a newer model leaves no field of the older one (predicted modes included)', async () => {
      const [first] = fleetPredictions(1);
      const alarmed = {
        ...(first as PredictionRow),
        predictedModes: ['HDF' as const],
        failure: true,
        modelSequence: 100,
      };
      await sink().writePredictions([alarmed]);
      const calm = {
        ...alarmed,
        predictedModes: [],
        failure: false,
        modelSequence: 200,
        modelVersion: 'model-b',
      };
      await sink().writePredictions([calm]);
      const [record] = predictions();
      expect(record?.version).toBe(200);
      expect(record?.measures.predicted_modes?.value).toBe('none');
    });

    it('a redelivered quarantine row lands on the same record', async () => {
      const row = quarantineRow(1);
      await sink().quarantine([row]);
      await sink().quarantine([{ ...row, reason: 'said differently the second time' }]);
      expect(standIn.records(DB, 'quarantine')).toHaveLength(1);
    });
  });
});
