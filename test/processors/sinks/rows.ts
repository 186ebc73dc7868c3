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
 * A prediction as a store must hold it: its dimensions (device, quality type), and its measures as typed values,
 * every one of them (predicted_modes '' when none: Timestream, which cannot store '', holds TIMESTREAM_NO_MODES).
 */
export interface StoredPrediction {
  dimensions: Record<string, string>;
  values: Record<string, unknown>;
}

/** A prediction row and, written out alongside it from the same values, the form the sinks must store it in. */
export interface FleetPrediction {
  row: PredictionRow;
  stored: StoredPrediction;
}

/**
 * `count` predictions over `devices` machines, one reading per machine per second ending at `endTime` (recent, so
 * that Timestream's memory store takes them), with varied probabilities, modes and features. Each comes with its
 * expected stored form, written field by field from the values the row was made of (not derived from the row by
 * the sinks' own mapping), so a column swapped or dropped by the sinks cannot be copied into the expectation.
 */
export function fleetCases(
  count: number,
  options: { devices?: number; endTime?: number; seed?: number } = {},
): FleetPrediction[] {
  const devices = options.devices ?? 100;
  const end = options.endTime ?? Date.now() - 60_000;
  const random = seeded(options.seed ?? 7);
  const steps = Math.ceil(count / devices);
  return Array.from({ length: count }, (_, i) => {
    const device = i % devices;
    const step = Math.floor(i / devices);
    const p = () => random() ** 3;
    const [twf, hdf, pwf, osf] = [p(), p(), p(), p()] as [number, number, number, number];
    const rnf = p() * 1e-6;
    const predictedModes = (
      [
        ['TWF', twf],
        ['HDF', hdf],
        ['PWF', pwf],
        ['OSF', osf],
        ['RNF', rnf],
      ] as const
    )
      .filter(([, probability]) => probability > 0.5)
      .map(([mode]) => mode);
    const any = Math.max(twf, hdf, pwf, osf, rnf);
    const failure = predictedModes.length > 0;
    const deviceId = `M-${String(device).padStart(4, '0')}`;
    const qualityType = QUALITY_TYPES[device % 3] as PredictionRow['qualityType'];
    const air = 295 + random() * 10;
    const process = 305 + random() * 10;
    const rpm = 1200 + Math.round(random() * 1600);
    const torque = 3 + random() * 70;
    const wear = Math.round(random() * 250);
    const eventId = `shardId-000000000000:${1_000_000 + i}`;
    const time = end - (steps - step) * 1000;
    const row = makePrediction(i, {
      time,
      deviceId,
      qualityType,
      readingSequence: step,
      probabilities: { TWF: twf, HDF: hdf, PWF: pwf, OSF: osf, RNF: rnf },
      anyFailureProbability: any,
      failure,
      predictedModes,
      airTemperatureK: air,
      processTemperatureK: process,
      rotationalSpeedRpm: rpm,
      torqueNm: torque,
      toolWearMin: wear,
      source: {
        eventId,
        sequenceNumber: String(1_000_000 + i),
        partitionKey: deviceId,
        arrivalTime: time + 5,
      },
    });
    // makePrediction's model name, version and sequence, firmware and digest, as the store must hold them.
    const stored: StoredPrediction = {
      dimensions: {
        device_id: deviceId,
        quality_type: qualityType,
      },
      values: {
        p_twf: twf,
        p_hdf: hdf,
        p_pwf: pwf,
        p_osf: osf,
        p_rnf: rnf,
        p_any: any,
        failure,
        // Modes are stored `|`-joined in class order, '' when there is none.
        predicted_modes: predictedModes.join('|'),
        air_temperature_k: air,
        process_temperature_k: process,
        rotational_speed_rpm: rpm,
        torque_nm: torque,
        tool_wear_min: wear,
        model_name: 'pfm-failure-mlp',
        model_version: 'abc123def456',
        model_sequence: 1,
        firmware: 'fw-2.4.1',
        reading_sequence: step,
        reading_digest: i.toString(16).padStart(32, '0'),
        event_id: eventId,
      },
    };
    return { row, stored };
  });
}

/** The rows of `fleetCases`, for tests that do not read the stored values back. */
export function fleetPredictions(
  count: number,
  options: { devices?: number; endTime?: number; seed?: number } = {},
): PredictionRow[] {
  return fleetCases(count, options).map((c) => c.row);
}

/** One prediction with every field set by hand, and its stored form written out literally. */
export function goldenPrediction(time: number): FleetPrediction {
  return {
    row: {
      time,
      deviceId: 'M-0042',
      qualityType: 'H',
      modelName: 'pfm-failure-mlp',
      modelVersion: '0123456789ab',
      modelSequence: 3,
      firmware: 'fw-3.1.4',
      readingSequence: 4242,
      readingDigest: '5eed0123456789abcdef0123456789ab',
      probabilities: { TWF: 0.125, HDF: 0.9875, PWF: 0.0625, OSF: 0.875, RNF: 0.001 },
      anyFailureProbability: 0.96875,
      failure: true,
      predictedModes: ['HDF', 'OSF'],
      airTemperatureK: 301.5,
      processTemperatureK: 311.25,
      rotationalSpeedRpm: 1388,
      torqueNm: 57.75,
      toolWearMin: 211,
      source: {
        eventId: 'shardId-000000000003:49650000000000000000004242',
        sequenceNumber: '49650000000000000000004242',
        partitionKey: 'M-0042',
        arrivalTime: time + 250,
      },
    },
    stored: {
      dimensions: {
        device_id: 'M-0042',
        quality_type: 'H',
      },
      values: {
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
        model_name: 'pfm-failure-mlp',
        model_version: '0123456789ab',
        model_sequence: 3,
        firmware: 'fw-3.1.4',
        reading_sequence: 4242,
        reading_digest: '5eed0123456789abcdef0123456789ab',
        event_id: 'shardId-000000000003:49650000000000000000004242',
      },
    },
  };
}

/** A quarantine row for sink tests. */
export function quarantineRow(i: number, overrides: Partial<QuarantineRow> = {}): QuarantineRow {
  return {
    source: {
      eventId: `shardId-000000000001:${i}`,
      sequenceNumber: String(i),
      partitionKey: 'M-0002',
      arrivalTime: Date.now() - 1_000,
    },
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
