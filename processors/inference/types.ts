import type { QualityType } from '../../schemas/reading.js';

/** The failure modes of the AI4I dataset, as columns of a prediction row (the model's any-failure head is `ANY`). */
export const FAILURE_MODES = ['TWF', 'HDF', 'PWF', 'OSF', 'RNF'] as const;
export type FailureMode = (typeof FAILURE_MODES)[number];

/** Where a record came from on the stream, kept with every row so that any output can be traced back. */
export interface RecordSource {
  /** `shardId:sequenceNumber`, unique per record of a stream: the identity of a quarantined record. */
  eventId: string;
  sequenceNumber: string;
  partitionKey: string;
  /**
   * When the stream received the record (Kinesis ApproximateArrivalTimestamp), epoch ms: the same on every
   * redelivery, so a quarantined record is stamped with it, never with processing time.
   */
  arrivalTime: number;
}

/** One raw record as the inference core receives it (a Kinesis record, decoded from base64). */
export interface InputRecord extends RecordSource {
  data: Uint8Array;
}

/**
 * One scored reading: shaped like the Timestream table (time, dimensions, measures). Its identity is the
 * reading's (deviceId, time); see schemas/README.md, "Identity", for what the stores do with a second one.
 */
export interface PredictionRow {
  time: number;
  deviceId: string;
  qualityType: QualityType;
  modelName: string;
  modelVersion: string;
  /** The model's release sequence (model/artifacts/release.json): a higher one replaces a stored prediction. */
  modelSequence: number;
  firmware: string;
  readingSequence: number;
  /** readingDigest() of the reading (schemas/readingIdentity.ts): what tells a duplicate from a conflict. */
  readingDigest: string;
  probabilities: Record<FailureMode, number>;
  anyFailureProbability: number;
  failure: boolean;
  predictedModes: FailureMode[];
  airTemperatureK: number;
  processTemperatureK: number;
  rotationalSpeedRpm: number;
  torqueNm: number;
  toolWearMin: number;
  source: RecordSource;
}

/** The stage at which a record was turned away. */
export const QUARANTINE_STAGES = ['decode', 'validate', 'sink'] as const;
export type QuarantineStage = (typeof QUARANTINE_STAGES)[number];

/** A record that could not be scored, with its reason and its raw bytes so nothing is lost. */
export interface QuarantineRow {
  source: RecordSource;
  /** The quarantine time: the record's arrival time on the stream (`source.arrivalTime`), stable on redelivery. */
  receivedAt: number;
  stage: QuarantineStage;
  code: string;
  reason: string;
  deviceId: string | null;
  raw: Uint8Array;
}

/** What one batch became: every received record is in exactly one of the two lists. */
export interface BatchOutcome {
  received: number;
  predictions: PredictionRow[];
  quarantined: QuarantineRow[];
}

/** Port: where predictions go (embedded DuckDB locally, Timestream or InfluxDB in AWS). */
export interface PredictionSink {
  /**
   * Writes the rows by the one identity policy (schemas/README.md, "Identity"): a new reading is stored, a
   * duplicate absorbed, a newer model's score replaces an older one, and a different reading of a stored identity
   * comes back among the refused rows (READING_CONFLICT). Returns the rows the store refused, to be quarantined.
   */
  writePredictions(rows: readonly PredictionRow[]): Promise<{ rejected: QuarantineRow[] }>;
}

/** Port: the dead-letter path for records that cannot be scored. */
export interface QuarantineSink {
  /** Stores the rows idempotently, keyed by their source event id (the record's shard and sequence number). */
  quarantine(rows: readonly QuarantineRow[]): Promise<void>;
}
