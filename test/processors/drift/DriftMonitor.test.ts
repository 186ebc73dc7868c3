import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createDriftCore } from '../../../processors/drift/core.js';
import { DriftMonitor } from '../../../processors/drift/DriftMonitor.js';
import { modelEngineerFor } from '../../../processors/drift/modelFeatures.js';
import { loadDriftReference } from '../../../processors/drift/reference.js';
import type { Evaluation } from '../../../processors/drift/types.js';
import type { SensorReading } from '../../../schemas/reading.js';
import { createSimulator } from '../../../stream/simulator/Simulator.js';
import type { DriftInjection } from '../../../stream/simulator/types.js';
import {
  fleetCalibration,
  MemoryPublisher,
  MemoryScoreSink,
  shardedReadings,
  shardRecord,
} from './fixtures.js';

const reference = loadDriftReference();
const engineer = modelEngineerFor(reference);
const calibration = fleetCalibration(reference);

function fleet(count: number, drift: DriftInjection[] = [], seed = 21): SensorReading[] {
  return createSimulator({ machines: 50, seed, startTime: 0, intervalMs: 1000, drift })
    .take(count)
    .map((s) => s.reading);
}

function monitor(publisher = new MemoryPublisher(), scoreSink = new MemoryScoreSink()) {
  const m = new DriftMonitor({
    core: createDriftCore({ reference, engineer, calibration }),
    publisher,
    scoreSink,
    windowRecords: 1000,
    clock: () => 0,
  });
  return { m, publisher, scoreSink };
}

/** Batches of `size` records per shard, interleaved shard by shard as a runner with two shard loops would. */
function batches(readings: SensorReading[], size: number): KinesisStreamEvent[] {
  const shards = [...shardedReadings(readings).values()].map((s) => s.records);
  const out: KinesisStreamEvent[] = [];
  for (let i = 0; shards.some((s) => i < s.length); i += size) {
    for (const s of shards) if (i < s.length) out.push({ Records: s.slice(i, i + size) });
  }
  return out;
}

// +2 sd torque on every machine from the start: the first window is a drift.
const drifted = fleet(3000, [{ feature: 'torqueNm', kind: 'offset', amount: 20, fromTime: 0 }]);

describe('DriftMonitor (local pipeline) with its Kinesis handler', () => {
  it('windows the stream, detects the drift, writes scores and publishes each event once', async () => {
    const windows: Evaluation['window'][] = [];
    const publisher = new MemoryPublisher();
    const scoreSink = new MemoryScoreSink();
    const m = new DriftMonitor({
      core: createDriftCore({ reference, engineer, calibration }),
      publisher,
      scoreSink,
      windowRecords: 1000,
      clock: () => 0,
      onEvaluation: (e) => windows.push(e.window),
    });
    for (const event of batches(drifted, 250))
      expect(await m.handler(event)).toEqual({ batchItemFailures: [] });
    expect(m.snapshot().windows.evaluated).toBeGreaterThanOrEqual(2);
    await m.flush();
    // Every reading went into exactly one window; windows are about 1,000 readings (shares follow shard rates).
    expect(windows.reduce((n, w) => n + w.state.records, 0)).toBe(3000);
    expect(windows.slice(0, 2).every((w) => Math.abs(w.state.records - 1000) <= 5)).toBe(true);
    const snap = m.snapshot();
    expect(snap.fleet).toBe('DRIFT');
    expect(snap.features.slice(0, 3).map((f) => f.feature)).toContain('torque_nm');
    const fleetEvents = publisher.published
      .filter((e) => e.detail.scope.kind === 'fleet')
      .map((e) => e.detailType);
    expect(fleetEvents).toEqual(['FeatureDriftDetected', 'ModelRetrainingRecommended']);
    expect(snap.events.byType.FeatureDriftDetected).toBe(
      publisher.published.filter((e) => e.detailType === 'FeatureDriftDetected').length,
    );
    // fleet: every model feature, L and M: all but the quality type, per scored window (H has too few machines).
    const scored = windows.filter((w) => w.state.records >= 50).length;
    const features = reference.features.length;
    expect(scoreSink.rows.size).toBe(scored * (features + 2 * (features - 1)));
  });

  it('a redelivered batch is recognized: nothing counted twice, no event twice', async () => {
    const { m, publisher } = monitor();
    const events = batches(drifted, 250);
    for (const [i, event] of events.entries()) {
      await m.handler(event);
      if (i % 3 === 0) await m.handler(event);
    }
    const once = monitor();
    for (const event of events) await once.m.handler(event);
    expect(m.snapshot().duplicates).toBe(
      events.filter((_, i) => i % 3 === 0).reduce((n, e) => n + e.Records.length, 0),
    );
    expect(publisher.published.map((e) => e.detail.eventId)).toEqual(
      once.publisher.published.map((e) => e.detail.eventId),
    );
    expect(m.snapshot().windows).toEqual(once.m.snapshot().windows);
  });

  it('skips and counts undecodable records, never failing the batch', async () => {
    const { m } = monitor();
    const good = batches(fleet(200), 100);
    const poison: KinesisStreamRecord = shardRecord(
      Uint8Array.from([0xc3, 0x01, 1, 2, 3]),
      'shardId-000000000000',
      5000n,
      'M-0001',
    );
    const garbage: KinesisStreamRecord = shardRecord(
      new TextEncoder().encode('not avro'),
      'shardId-000000000000',
      5001n,
      'M-0002',
    );
    expect(await m.handler({ Records: [...(good[0]?.Records ?? []), poison, garbage] })).toEqual({
      batchItemFailures: [],
    });
    expect(m.snapshot()).toMatchObject({ undecodable: 2, duplicates: 0 });
    expect(m.snapshot().windows.openRecords).toBe(good[0]?.Records.length);
  });

  it('fills each window fairly from every shard, whatever order the batches come in', async () => {
    const { m, scoreSink } = monitor();
    const shards = [...shardedReadings(fleet(4000)).values()].map((s) => s.records);
    const [a = [], b = []] = shards;
    // Both shards are known before shard A races 1,500 records ahead.
    await m.handler({ Records: a.slice(0, 10) });
    await m.handler({ Records: b.slice(0, 10) });
    await m.handler({ Records: a.slice(10, 1510) });
    expect(m.snapshot().windows.evaluated).toBe(0);
    await m.handler({ Records: b.slice(10, 500) });
    expect(m.snapshot().windows.evaluated).toBe(1);
    const fleetRow = [...scoreSink.rows.values()].find((r) => r.scope === 'fleet');
    expect(fleetRow?.n).toBe(1000);
  });

  it('when the publisher is down the batch is reported failed, and its redelivery publishes the events once', async () => {
    const publisher = new MemoryPublisher();
    const { m } = monitor(publisher);
    const events = batches(drifted.slice(0, 1000), 500);
    await m.handler(events[0] as KinesisStreamEvent);
    publisher.failures = 1;
    const last = events[1] as KinesisStreamEvent;
    const failed = await m.handler(last);
    expect(failed.batchItemFailures).toHaveLength(last.Records.length);
    expect(m.snapshot().pending).toBe(1);
    expect(publisher.published).toHaveLength(0);
    expect(await m.handler(last)).toEqual({ batchItemFailures: [] });
    expect(m.snapshot().pending).toBe(0);
    const ids = publisher.published.map((e) => e.detail.eventId);
    expect(ids.length).toBeGreaterThan(0);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('flush closes the open window early and marks it so', async () => {
    const { m, publisher } = monitor();
    for (const event of batches(drifted.slice(0, 600), 300)) await m.handler(event);
    expect(m.snapshot().windows.evaluated).toBe(0);
    await m.flush();
    expect(m.snapshot().windows.lastWindow?.records).toBe(600);
    expect(publisher.published[0]?.detail.window.terminatedEarly).toBe(true);
  });

  it('closes a window by time when windowMs is set', async () => {
    let now = 0;
    const m = new DriftMonitor({
      core: createDriftCore({ reference, engineer, calibration }),
      publisher: new MemoryPublisher(),
      scoreSink: new MemoryScoreSink(),
      windowRecords: 1000,
      windowMs: 5000,
      clock: () => now,
    });
    for (const event of batches(fleet(400), 200)) await m.handler(event);
    await m.tick();
    expect(m.snapshot().windows.evaluated).toBe(0);
    now = 5000;
    await m.tick();
    expect(m.snapshot().windows).toMatchObject({ evaluated: 1, lastWindow: { records: 400 } });
  });
});
