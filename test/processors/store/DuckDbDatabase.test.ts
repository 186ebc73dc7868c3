import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DriftScoreRow } from '../../../processors/drift/types.js';
import type { QuarantineRow } from '../../../processors/inference/types.js';
import { openDuckDbStore } from '../../../processors/store/openDuckDbStore.js';
import { makePrediction } from '../../fixtures/predictions.js';

// The adapters of one store share a connection: its writes stage rows in temporary tables, so two writes that
// interleaved could move or delete each other's staged rows. These tests make writes and reads overlap.

const dirs: string[] = [];
function tempStorePath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pfm-store-db-'));
  dirs.push(dir);
  return join(dir, 'pfm.duckdb');
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function quarantineRow(i: number): QuarantineRow {
  return {
    source: {
      eventId: `shardId-000000000002:${i}`,
      sequenceNumber: String(i),
      partitionKey: 'M-0003',
      arrivalTime: Date.UTC(2024, 0, 15) + i,
    },
    receivedAt: Date.UTC(2024, 0, 15) + i,
    stage: 'validate',
    code: 'OUT_OF_RANGE',
    reason: 'torque_nm out of range',
    deviceId: 'M-0003',
    raw: new Uint8Array([i % 256]),
  };
}

function driftRow(i: number): DriftScoreRow {
  return {
    time: 20_000 * (i + 1),
    scope: 'fleet',
    feature: 'torque_nm',
    windowStart: 20_000 * i,
    windowEnd: 20_000 * (i + 1),
    n: 1000,
    meanShift: 0.1,
    varianceRatio: 1,
    psi: 0.01,
    cusum: 0.2,
    state: 'OK',
    breached: false,
    modelVersion: 'abc123def456',
  };
}

describe('DuckDbDatabase, shared by the store adapters', () => {
  it('keeps every row of concurrent writes through different adapters, with reads in between', async () => {
    const store = await openDuckDbStore(':memory:');
    const batches = 20;
    const perBatch = 50;
    const writes = Array.from({ length: batches }, (_, b) => [
      store.predictionSink.writePredictions(
        Array.from({ length: perBatch }, (_, i) => makePrediction(b * perBatch + i)),
      ),
      store.quarantineSink.quarantine([quarantineRow(2 * b), quarantineRow(2 * b + 1)]),
      store.driftScores.writeDriftScores([driftRow(b)]),
      store.fleetQueries.counts(),
    ]).flat();
    await Promise.all(writes);
    const counts = await store.fleetQueries.counts();
    expect(counts.predictions).toBe(batches * perBatch);
    expect(counts.quarantined).toBe(2 * batches);
    expect(await store.driftScores.latest({ limit: 1000 })).toHaveLength(batches);
    await store.close();
  });

  it('lets writes queued behind a failed one run', async () => {
    const store = await openDuckDbStore(tempStorePath());
    const failed = store.database.query('SELECT * FROM no_such_table');
    const queued = store.predictionSink.writePredictions([makePrediction(1), makePrediction(2)]);
    await expect(failed).rejects.toThrow(/no_such_table/);
    await queued;
    expect((await store.fleetQueries.counts()).predictions).toBe(2);
    await store.close();
  });

  it('closes only after the writes under way, and keeps them in the file', async () => {
    const path = tempStorePath();
    const store = await openDuckDbStore(path);
    const pending = store.predictionSink.writePredictions(
      Array.from({ length: 500 }, (_, i) => makePrediction(i)),
    );
    await store.close();
    await pending;
    const reader = await openDuckDbStore(path, { readOnly: true });
    expect((await reader.fleetQueries.counts()).predictions).toBe(500);
    await reader.close();
  });
});
