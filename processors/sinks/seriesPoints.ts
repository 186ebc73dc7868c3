import { createHash } from 'node:crypto';
import type { PredictionRow, QuarantineRow } from '../inference/types.js';
import type {
  MeasureType,
  PredictionDimension,
  PredictionMeasure,
  QuarantineDimension,
  QuarantineMeasure,
  SeriesSchema,
} from './constants.js';

export type PointValue = number | string | boolean;

/** One row in store-neutral form: the Timestream record and the InfluxDB line are both built from it. */
export interface SeriesPoint {
  /** Epoch milliseconds. */
  time: number;
  /** Undefined values are left out (a quarantined record whose device is unknown). */
  dimensions: Readonly<Record<string, string | undefined>>;
  /** Undefined values are left out (no predicted mode). */
  measures: Readonly<Record<string, PointValue | undefined>>;
}

/**
 * The prediction row as a point of PREDICTION_SERIES; the `Record` types make every declared name required, and
 * every value is defined: a point carries every field, so a rewrite leaves nothing of the point it replaces.
 */
export function predictionPoint(row: PredictionRow): SeriesPoint {
  const dimensions: Record<PredictionDimension, string> = {
    device_id: row.deviceId,
    quality_type: row.qualityType,
  };
  const measures: Record<PredictionMeasure, PointValue> = {
    p_twf: row.probabilities.TWF,
    p_hdf: row.probabilities.HDF,
    p_pwf: row.probabilities.PWF,
    p_osf: row.probabilities.OSF,
    p_rnf: row.probabilities.RNF,
    p_any: row.anyFailureProbability,
    failure: row.failure,
    predicted_modes: row.predictedModes.join('|'),
    air_temperature_k: row.airTemperatureK,
    process_temperature_k: row.processTemperatureK,
    rotational_speed_rpm: row.rotationalSpeedRpm,
    torque_nm: row.torqueNm,
    tool_wear_min: row.toolWearMin,
    model_name: row.modelName,
    model_version: row.modelVersion,
    model_sequence: row.modelSequence,
    firmware: row.firmware,
    reading_sequence: row.readingSequence,
    reading_digest: row.readingDigest,
    event_id: row.source.eventId,
  };
  return { time: row.time, dimensions, measures };
}

/** Limits a store puts on the free-text and raw parts of a quarantine point. */
export interface QuarantineBudget {
  reasonMaxBytes: number;
  /** Characters of base64 kept; a whole number of 4-character groups is kept, so a prefix still decodes. */
  rawBase64MaxChars: number;
}

/** The quarantined row as a point of QUARANTINE_SERIES, raw bytes base64-encoded and cut to the budget. */
export function quarantinePoint(row: QuarantineRow, budget: QuarantineBudget): SeriesPoint {
  const raw = Buffer.from(row.raw.buffer, row.raw.byteOffset, row.raw.byteLength);
  const base64 = raw.toString('base64');
  const keep = Math.max(0, Math.floor(budget.rawBase64MaxChars / 4) * 4);
  const dimensions: Record<QuarantineDimension, string | undefined> = {
    event_id: row.source.eventId,
  };
  const measures: Record<QuarantineMeasure, PointValue | undefined> = {
    stage: row.stage,
    code: row.code,
    shard_id: shardOf(row.source.eventId),
    device_id: row.deviceId === null || row.deviceId === '' ? undefined : row.deviceId,
    sequence_number: row.source.sequenceNumber,
    partition_key: row.source.partitionKey,
    reason: truncateUtf8(row.reason, budget.reasonMaxBytes) || '(no reason given)',
    // Timestream refuses empty values: an empty or fully cut payload leaves the measure out.
    raw_base64: base64.length === 0 || keep === 0 ? undefined : base64.slice(0, keep),
    raw_bytes: raw.length,
    raw_sha256: createHash('sha256').update(raw).digest('hex'),
    raw_truncated: keep < base64.length,
  };
  return { time: row.receivedAt, dimensions, measures };
}

const SHARD_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * The shard of an event id (`shardId-000000000000:4959...` -> `shardId-000000000000`), written as an InfluxDB tag;
 * `unknown` when the id has no shard part a tag can carry (the event id itself is kept whole in a field).
 */
export function shardOf(eventId: string): string {
  const shard = eventId.slice(0, Math.max(0, eventId.lastIndexOf(':')));
  return SHARD_ID.test(shard) ? shard : 'unknown';
}

/** Why the point cannot be stored at all (a non-finite number, a missing required value), or undefined. */
export function pointProblem(point: SeriesPoint, schema: SeriesSchema): string | undefined {
  if (!Number.isSafeInteger(point.time) || point.time < 0)
    return `time ${point.time} is not a valid epoch millisecond`;
  for (const [name, type] of Object.entries(schema.measures) as [string, MeasureType][]) {
    const value = point.measures[name];
    if (value === undefined) continue;
    if (type === 'DOUBLE' && !(typeof value === 'number' && Number.isFinite(value))) {
      return `measure ${name} is ${String(value)}, not a finite number`;
    }
    if (type === 'BIGINT' && !(typeof value === 'number' && Number.isSafeInteger(value))) {
      return `measure ${name} is ${String(value)}, not an integer`;
    }
    if (type === 'BOOLEAN' && typeof value !== 'boolean') return `measure ${name} is not a boolean`;
    if (type === 'VARCHAR' && typeof value !== 'string') return `measure ${name} is not a string`;
  }
  return undefined;
}

/** A double in its shortest round-trip form; `String` would drop the sign of -0. */
export function formatDouble(value: number): string {
  return Object.is(value, -0) ? '-0' : String(value);
}

/** Cuts a string to at most `maxBytes` of UTF-8 without splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  let bytes = 0;
  let end = 0;
  for (const ch of text) {
    const size = Buffer.byteLength(ch, 'utf8');
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += ch.length;
  }
  return text.slice(0, end);
}
