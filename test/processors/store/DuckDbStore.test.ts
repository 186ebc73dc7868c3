import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, describe, expect, it } from 'vitest';
import type { QuarantineRow } from '../../../processors/inference/types.js';
import { openDuckDbStore } from '../../../processors/store/openDuckDbStore.js';
import { makePrediction } from '../../fixtures/predictions.js';

const dirs: string[] = [];
function tempStorePath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pfm-store-'));
  dirs.push(dir);
  return join(dir, 'pfm.duckdb');
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function quarantineRow(i: number): QuarantineRow {
  return {
    source: {
      eventId: `shardId-000000000001:${i}`,
      sequenceNumber: String(i),
      partitionKey: 'M-0002',
      arrivalTime: Date.UTC(2024, 0, 15),
    },
    receivedAt: Date.UTC(2024, 0, 15),
    stage: 'decode',
    code: 'BAD_MARKER',
    reason: 'not a single-object encoded message',
    deviceId: null,
    raw: new Uint8Array([0xde, 0xad, i]),
  };
}

describe('DuckDbStore', () => {
  it('is idempotent: a redelivered batch adds no rows', async () => {
    const store = await openDuckDbStore(tempStorePath());
    const batch = Array.from({ length: 300 }, (_, i) => makePrediction(i));
    await store.predictionSink.writePredictions(batch);
    await store.predictionSink.writePredictions(batch.slice(100)); // redelivery from the middle
    const again = await store.predictionSink.writePredictions([...batch.slice(0, 10), ...batch.slice(0, 10)]);
    expect(again.rejected).toEqual([]);
    expect((await store.fleetQueries.counts()).predictions).toBe(300);
    await store.close();
  });

  it('keeps one row per reading: a newer model replaces its score, an older one does not', async () => {
    const store = await openDuckDbStore(tempStorePath());
    const batch = Array.from({ length: 20 }, (_, i) => makePrediction(i));
    await store.predictionSink.writePredictions(batch);
    const newer = batch.slice(0, 5).map((p) => ({
      ...p,
      modelVersion: 'newer0000000',
      modelSequence: 2,
      anyFailureProbability: 0.9,
    }));
    expect((await store.predictionSink.writePredictions(newer)).rejected).toEqual([]);
    // A replay by the older model is absorbed: the newer score stays.
    expect((await store.predictionSink.writePredictions(batch)).rejected).toEqual([]);
    const rows = await store.database.query(
      'SELECT model_version, count(*)::INTEGER AS n FROM predictions GROUP BY model_version ORDER BY n',
    );
    expect(rows).toEqual([
      { model_version: 'newer0000000', n: 5 },
      { model_version: 'abc123def456', n: 15 },
    ]);
    await store.close();
  });

  it("absorbs a producer's second put of the same reading (another record, same content)", async () => {
    const store = await openDuckDbStore(tempStorePath());
    const first = makePrediction(1);
    const second = {
      ...first,
      source: { ...first.source, eventId: 'shardId-000000000000:99', sequenceNumber: '99' },
    };
    await store.predictionSink.writePredictions([first]);
    expect((await store.predictionSink.writePredictions([second])).rejected).toEqual([]);
    expect(await store.database.query('SELECT event_id FROM predictions')).toEqual([
      { event_id: first.source.eventId },
    ]);
    await store.close();
  });

  it('refuses a different reading of a stored identity as READING_CONFLICT, keeping the first', async () => {
    const store = await openDuckDbStore(tempStorePath());
    const first = makePrediction(1);
    const other = {
      ...first,
      torqueNm: 55,
      readingDigest: 'f'.repeat(32),
      source: { ...first.source, eventId: 'shardId-000000000000:7', sequenceNumber: '7' },
    };
    await store.predictionSink.writePredictions([first]);
    const { rejected } = await store.predictionSink.writePredictions([other]);
    expect(rejected.map((q) => [q.source.eventId, q.stage, q.code])).toEqual([
      ['shardId-000000000000:7', 'sink', 'READING_CONFLICT'],
    ]);
    expect(rejected[0]?.receivedAt).toBe(other.source.arrivalTime);
    // Within one batch too: the first of two different readings wins.
    const pair = [makePrediction(5), { ...makePrediction(5), readingDigest: 'e'.repeat(32) }];
    expect((await store.predictionSink.writePredictions(pair)).rejected).toHaveLength(1);
    expect(await store.database.query('SELECT torque_nm FROM predictions ORDER BY time')).toEqual([
      { torque_nm: 40 },
      { torque_nm: 40 },
    ]);
    await store.close();
  });

  it('keeps quarantined records once per event id, with their raw bytes', async () => {
    const store = await openDuckDbStore(tempStorePath());
    await store.quarantineSink.quarantine([quarantineRow(1), quarantineRow(2)]);
    await store.quarantineSink.quarantine([quarantineRow(2)]);
    const rows = await store.database.query(
      'SELECT event_id, code, hex(raw) AS raw FROM quarantine ORDER BY event_id',
    );
    expect(rows).toEqual([
      { event_id: 'shardId-000000000001:1', code: 'BAD_MARKER', raw: 'DEAD01' },
      { event_id: 'shardId-000000000001:2', code: 'BAD_MARKER', raw: 'DEAD02' },
    ]);
    expect((await store.fleetQueries.counts()).quarantinedByCode).toEqual({ BAD_MARKER: 2 });
    await store.close();
  });

  it('survives close and reopen read-only, and ranks machines by recent risk', async () => {
    const path = tempStorePath();
    const store = await openDuckDbStore(path);
    const calm = Array.from({ length: 30 }, (_, i) => makePrediction(i, { deviceId: 'M-0001' }));
    const risky = Array.from({ length: 30 }, (_, i) =>
      makePrediction(i, {
        deviceId: 'M-0002',
        anyFailureProbability: i >= 20 ? 0.9 : 0.1,
        failure: i >= 20,
        probabilities: { TWF: 0.01, HDF: 0.02, PWF: 0.03, OSF: i >= 20 ? 0.85 : 0.05, RNF: 0.001 },
        predictedModes: i >= 20 ? ['OSF'] : [],
        toolWearMin: 200 + i,
        source: {
          eventId: `shardId-000000000001:${i}`,
          sequenceNumber: String(i),
          partitionKey: 'M-0002',
          arrivalTime: 0,
        },
      }),
    );
    await store.predictionSink.writePredictions([...calm, ...risky]);
    await store.close();

    const reader = await openDuckDbStore(path, { readOnly: true });
    const top = await reader.fleetQueries.topAtRisk({ limit: 5, window: 10 });
    expect(top.map((m) => m.deviceId)).toEqual(['M-0002', 'M-0001']);
    expect(top[0]).toMatchObject({
      risk: expect.closeTo(0.9, 6),
      predictedFailures: 10,
      leadingMode: 'OSF',
      readings: 10,
    });
    expect(top[0]?.latest.toolWearMin).toBe(229);
    const counts = await reader.fleetQueries.counts();
    expect(counts).toMatchObject({ predictions: 60, predictedFailures: 10, devices: 2 });
    expect(counts.predictedByMode.OSF).toBe(10);
    await reader.close();
  });

  it('refuses, with what to do, a store file of the older layout (one row per model version)', async () => {
    const path = tempStorePath();
    const old = await DuckDBInstance.create(path);
    const connection = await old.connect();
    await connection.run(
      'CREATE TABLE predictions (time TIMESTAMP_MS, device_id VARCHAR, model_version VARCHAR, PRIMARY KEY (device_id, time, model_version))',
    );
    connection.closeSync();
    old.closeSync();
    await expect(openDuckDbStore(path)).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(
        /written by an older pfm .* move it aside or choose another data directory/,
      ),
    });
  });
});
