import type { KinesisStreamRecord } from 'aws-lambda';
import { PfmError } from '../../../kernel/errors.js';
import { calibrate, createRunCounter } from '../../../processors/drift/calibration.js';
import { createDriftCore } from '../../../processors/drift/core.js';
import { modelEngineerFor } from '../../../processors/drift/modelFeatures.js';
import {
  type DriftCalibration,
  type DriftEvent,
  type DriftReference,
  type DriftScoreRow,
  type DriftScoreSink,
  type FeatureReference,
  SENSORS,
} from '../../../processors/drift/types.js';
import { emptyWindow } from '../../../processors/drift/window.js';
import type { EventPublisher } from '../../../processors/events/types.js';
import { encodeReading } from '../../../schemas/codec/readingCodec.js';
import type { SensorReading } from '../../../schemas/reading.js';
import { createSimulator } from '../../../stream/simulator/Simulator.js';

/** A reference with integer means, edges and bounds: sums of integer data stay exact, so merges compare with ===. */
export function integerReference(features = 3): DriftReference {
  const ref = (j: number): FeatureReference => ({
    name: `f${j}`,
    mean: 50,
    std: 10,
    min: 0,
    max: 100,
    n: 1000,
    binEdges: [10, 20, 30, 40, 50, 60, 70, 80, 90],
    proportions: new Array(10).fill(0.1),
    binGroup: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    groupProportions: new Array(10).fill(0.1),
  });
  return {
    modelName: 'test-model',
    modelSha256: 'a'.repeat(64),
    modelVersion: 'aaaaaaaaaaaa',
    referenceSha256: 'b'.repeat(64),
    statisticsSha256: 'c'.repeat(64),
    features: Array.from({ length: features }, (_, j) => ref(j)),
  };
}

/** EventPublisher fake: records what it got; can fail the next calls with a retryable error. */
export class MemoryPublisher implements EventPublisher {
  readonly published: DriftEvent[] = [];
  failures = 0;
  calls = 0;
  async publish(events: readonly DriftEvent[]): Promise<void> {
    this.calls++;
    if (this.failures > 0) {
      this.failures--;
      throw new PfmError('SINK_UNAVAILABLE', 'publisher down', { retryable: true });
    }
    this.published.push(...events);
  }
}

/** DriftScoreSink fake keyed like the DuckDB table, so re-writes are visible as no-ops. */
export class MemoryScoreSink implements DriftScoreSink {
  readonly rows = new Map<string, DriftScoreRow>();
  writes = 0;
  async writeDriftScores(rows: readonly DriftScoreRow[]): Promise<void> {
    this.writes++;
    for (const r of rows)
      this.rows.set(`${r.scope}|${r.feature}|${r.windowStart}|${r.windowEnd}|${r.modelVersion}`, r);
  }
}

/** A Kinesis record of a shard as Lambda (and the local runner) delivers it. */
export function shardRecord(
  data: Uint8Array,
  shardId: string,
  sequenceNumber: bigint,
  partitionKey: string,
): KinesisStreamRecord {
  return {
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${shardId}:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::000000000000:role/pfm-drift',
    awsRegion: 'us-east-1',
    eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/pfm-test',
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey,
      sequenceNumber: String(sequenceNumber),
      data: Buffer.from(data).toString('base64'),
      approximateArrivalTimestamp: 1_700_000_000,
    },
  };
}

/** Readings of a simulated fleet, split into per-shard Kinesis records (partition key = device, 2 shards by device parity). */
export function shardedReadings(
  readings: readonly SensorReading[],
  shards = 2,
): Map<string, { records: KinesisStreamRecord[]; next: bigint }> {
  const out = new Map<string, { records: KinesisStreamRecord[]; next: bigint }>();
  for (const r of readings) {
    const index = Number(r.deviceId.slice(2)) % shards;
    const shardId = `shardId-00000000000${index}`;
    let shard = out.get(shardId);
    if (!shard) {
      shard = { records: [], next: 1000n };
      out.set(shardId, shard);
    }
    shard.records.push(shardRecord(encodeReading(r), shardId, shard.next, r.deviceId));
    shard.next += 1n;
  }
  return out;
}

/** The raw sensor values of a reading in SENSORS order. */
export function sensorValues(reading: SensorReading): number[] {
  return SENSORS.map((s) => reading[s]);
}

/**
 * A calibration of the shipped reference on stationary windows of a 50-machine fleet (1,000 readings each),
 * with the stuck-sensor thresholds from the same readings.
 */
export function fleetCalibration(reference: DriftReference, windows = 300): DriftCalibration {
  const engineer = modelEngineerFor(reference);
  const core = createDriftCore({ reference, engineer });
  const sim = createSimulator({ machines: 50, seed: 3, startTime: 0, intervalMs: 1000 });
  const runs = createRunCounter();
  const states = Array.from({ length: windows }, () => {
    const w = emptyWindow();
    for (let i = 0; i < 1000; i++) {
      const { reading } = sim.next();
      core.add(w, reading);
      runs.add(reading.deviceId, sensorValues(reading));
    }
    return w;
  });
  return calibrate([states], reference, {
    source: 'test: stationary simulator seed 3',
    windowRecords: 1000,
    sensorRuns: runs.finish(),
  });
}
