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
  return new TimestreamSink({ client, database: DB, modelSequence: 100, sleep: noSleep, ...options });
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

/** What a prediction must look like in the table: its expected stored form (see rows.ts) at its time. */
function expected({ row, stored }: FleetPrediction, version: number) {
  return { measureName: 'prediction', time: row.time, version, ...stored };
}

function stored(table = 'predictions') {
  return standIn.records(DB, table).map((r) => ({
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
    const [record] = standIn.records(DB, 'predictions');
    expect(record).toMatchObject({
      measureName: 'prediction',
      time: golden.row.time,
      version: 100,
      dimensions: {
        device_id: 'M-0042',
        quality_type: 'H',
        model_name: 'pfm-failure-mlp',
        firmware: 'fw-3.1.4',
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
        model_version: { type: 'VARCHAR', value: '0123456789ab' },
        reading_sequence: { type: 'BIGINT', value: '4242' },
        event_id: { type: 'VARCHAR', value: 'shardId-000000000003:49650000000000000000004242' },
      },
    });
    expect(Object.keys(record?.measures ?? {})).toHaveLength(16);
    expect(stored()).toEqual([expected(golden, 100)]);
  });

  it('writes 10,000 predictions in exactly 100 WriteRecords calls, every value intact', async () => {
    const cases = fleetCases(10_000);
    const rows = cases.map((c) => c.row);
    const { rejected } = await sink().writePredictions(rows);
    expect(rejected).toEqual([]);
    const calls = standIn.writeCalls;
    expect(calls).toHaveLength(100);
    expect(calls.every((c) => c.records === 100 && c.status === 200 && c.table === 'predictions')).toBe(true);
    expect(calls.every((c) => c.contentType === 'application/x-amz-json-1.0' && c.signed)).toBe(true);
    // An explicit endpoint skips endpoint discovery.
    expect(standIn.calls.some((c) => c.target.endsWith('DescribeEndpoints'))).toBe(false);
    const got = byKey(stored());
    expect(got.size).toBe(10_000);
    for (const c of cases) expect(got.get(`${c.row.deviceId}|${c.row.time}`)).toEqual(expected(c, 100));
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
      expect(standIn.writeCalls).toHaveLength(300);
      expect(standIn.writeCalls.filter((c) => c.errorType === error)).toHaveLength(200);
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
      const s = new TimestreamSink({ client: strictClient, database: DB, table: 'nope', modelSequence: 1 });
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
    const now = Date.now();
    const { rejected } = await sink({ now: () => now }).writePredictions(rows);

    const expectedRejected = rows.filter((r, i) => i === 3 || r.deviceId === 'M-0042');
    expect(rejected.map((q) => q.source.eventId).sort()).toEqual(
      expectedRejected.map((r) => r.source.eventId).sort(),
    );
    for (const q of rejected) {
      expect(q).toMatchObject({
        stage: 'sink',
        code: SINK_QUARANTINE_CODES.timestreamRejected,
        receivedAt: now,
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
    // Ten calls of 100, none sent again: the accepted records of a call with rejections are already written.
    expect(standIn.writeCalls).toHaveLength(10);
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
    expect(rejected[1]?.reason).toMatch(/firmware is empty/);
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

  it('version semantics: a newer model overwrites, an older model replaying is rejected with ExistingVersion', async () => {
    const cases = fleetCases(300);
    const original = cases.map(({ row }) => ({ ...row, modelVersion: 'model-a' }));
    const rescored = cases.map(
      ({ row, stored: s }): FleetPrediction => ({
        row: {
          ...row,
          modelVersion: 'model-b',
          anyFailureProbability: row.anyFailureProbability / 2,
          probabilities: { ...row.probabilities, HDF: row.probabilities.HDF / 2 },
        },
        stored: {
          dimensions: s.dimensions,
          values: {
            ...s.values,
            model_version: 'model-b',
            p_any: (s.values.p_any as number) / 2,
            p_hdf: (s.values.p_hdf as number) / 2,
          },
        },
      }),
    );
    await sink({ modelSequence: 100 }).writePredictions(original);
    expect(
      (await sink({ modelSequence: 200 }).writePredictions(rescored.map((c) => c.row))).rejected,
    ).toEqual([]);
    let got = byKey(stored());
    expect(got.size).toBe(300);
    for (const c of rescored) expect(got.get(`${c.row.deviceId}|${c.row.time}`)).toEqual(expected(c, 200));

    const { rejected } = await sink({ modelSequence: 100 }).writePredictions(original);
    expect(rejected).toHaveLength(300);
    expect(rejected[0]?.reason).toBe(
      'The record version 100 is lower than the existing version 200. A higher version is required to update the measure value. (ExistingVersion 200)',
    );
    got = byKey(stored());
    for (const { row } of rescored)
      expect(got.get(`${row.deviceId}|${row.time}`)?.values.model_version).toBe('model-b');
  });

  it('the same model with different values and the same Version is rejected, naming the existing version', async () => {
    const rows = fleetPredictions(5);
    await sink().writePredictions(rows);
    const changed = rows.map((r) => ({ ...r, torqueNm: r.torqueNm + 1 }));
    const { rejected } = await sink().writePredictions(changed);
    expect(rejected).toHaveLength(5);
    expect(rejected[0]?.reason).toMatch(
      /^A record already exists with the same time.*\(ExistingVersion 100\)$/,
    );
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
      dimensions: { event_id: 'shardId-000000000001:1', stage: 'decode', code: 'BAD_MARKER' },
    });
    expect(got[0]?.dimensions).not.toHaveProperty('device_id');
    expect(values(got[0] as StoredRecord)).toMatchObject({
      raw_base64: Buffer.from([0xde, 0xad, 1]).toString('base64'),
      raw_bytes: 3,
      raw_truncated: false,
      reason: 'not a single-object encoded message',
      sequence_number: '1',
      partition_key: 'M-0002',
    });
    const third = values(got[2] as StoredRecord);
    expect(got[2]?.dimensions.device_id).toBe('M-0009');
    expect(third).toMatchObject({ raw_bytes: 10_000, raw_truncated: true });
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
});
