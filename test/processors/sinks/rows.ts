import type { PredictionRow, QuarantineRow } from '../../../processors/inference/types.js';
import { createTimestreamWriteClient } from '../../../processors/sinks/timestreamClient.js';
import { QUALITY_TYPES } from '../../../schemas/reading.js';
import { makePrediction } from '../../fixtures/predictions.js';

/** A small deterministic generator (mulberry32), so that every run writes the same values. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` predictions over `devices` machines, one reading per machine per second ending at `endTime` (recent, so
 * that Timestream's memory store takes them), with varied probabilities, modes and features.
 */
export function fleetPredictions(
  count: number,
  options: { devices?: number; endTime?: number; seed?: number } = {},
): PredictionRow[] {
  const devices = options.devices ?? 100;
  const end = options.endTime ?? Date.now() - 60_000;
  const random = seeded(options.seed ?? 7);
  const steps = Math.ceil(count / devices);
  return Array.from({ length: count }, (_, i) => {
    const device = i % devices;
    const step = Math.floor(i / devices);
    const p = () => random() ** 3;
    const probabilities = { TWF: p(), HDF: p(), PWF: p(), OSF: p(), RNF: p() * 1e-6 };
    const predictedModes = (Object.keys(probabilities) as (keyof typeof probabilities)[]).filter(
      (m) => probabilities[m] > 0.5,
    );
    const deviceId = `M-${String(device).padStart(4, '0')}`;
    return makePrediction(i, {
      time: end - (steps - step) * 1000,
      deviceId,
      qualityType: QUALITY_TYPES[device % 3] as PredictionRow['qualityType'],
      readingSequence: step,
      probabilities,
      anyFailureProbability: Math.max(...Object.values(probabilities)),
      failure: predictedModes.length > 0,
      predictedModes,
      airTemperatureK: 295 + random() * 10,
      processTemperatureK: 305 + random() * 10,
      rotationalSpeedRpm: 1200 + Math.round(random() * 1600),
      torqueNm: 3 + random() * 70,
      toolWearMin: Math.round(random() * 250),
      source: {
        eventId: `shardId-000000000000:${1_000_000 + i}`,
        sequenceNumber: String(1_000_000 + i),
        partitionKey: deviceId,
      },
    });
  });
}

/** A quarantine row for sink tests. */
export function quarantineRow(i: number, overrides: Partial<QuarantineRow> = {}): QuarantineRow {
  return {
    source: { eventId: `shardId-000000000001:${i}`, sequenceNumber: String(i), partitionKey: 'M-0002' },
    receivedAt: Date.now() - 1_000,
    stage: 'decode',
    code: 'BAD_MARKER',
    reason: 'not a single-object encoded message',
    deviceId: null,
    raw: new Uint8Array([0xde, 0xad, i & 0xff]),
    ...overrides,
  };
}

/** An SDK client aimed at a stand-in: explicit endpoint (no endpoint discovery), dummy region and credentials. */
export function standInClient(endpoint: string) {
  return createTimestreamWriteClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDSTANDIN', secretAccessKey: 'stand-in' },
  });
}

/** The dimensions and typed measure values a prediction must be stored with (names as in the DuckDB store). */
export function predictionColumns(row: PredictionRow) {
  return {
    dimensions: {
      device_id: row.deviceId,
      quality_type: row.qualityType,
      model_name: row.modelName,
      firmware: row.firmware,
    },
    values: {
      p_twf: row.probabilities.TWF,
      p_hdf: row.probabilities.HDF,
      p_pwf: row.probabilities.PWF,
      p_osf: row.probabilities.OSF,
      p_rnf: row.probabilities.RNF,
      p_any: row.anyFailureProbability,
      failure: row.failure,
      ...(row.predictedModes.length > 0 ? { predicted_modes: row.predictedModes.join('|') } : {}),
      air_temperature_k: row.airTemperatureK,
      process_temperature_k: row.processTemperatureK,
      rotational_speed_rpm: row.rotationalSpeedRpm,
      torque_nm: row.torqueNm,
      tool_wear_min: row.toolWearMin,
      model_version: row.modelVersion,
      reading_sequence: row.readingSequence,
      event_id: row.source.eventId,
    } as Record<string, unknown>,
  };
}
