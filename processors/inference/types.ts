import type { QualityType } from '../../schemas/reading.js';

/** The failure modes of the AI4I dataset, as columns of a prediction row (the model's any-failure head is `ANY`). */
export const FAILURE_MODES = ['TWF', 'HDF', 'PWF', 'OSF', 'RNF'] as const;
export type FailureMode = (typeof FAILURE_MODES)[number];

/** Where a record came from on the stream, kept with every row so that any output can be traced back. */
export interface RecordSource {
  /** `shardId:sequenceNumber`, unique per record of a stream. */
  eventId: string;
  sequenceNumber: string;
  partitionKey: string;
}

/** One raw record as the inference core receives it (a Kinesis record, decoded from base64). */
export interface InputRecord extends RecordSource {
  data: Uint8Array;
}

/** One scored reading: shaped like the Timestream table (time, dimensions, measures). */
export interface PredictionRow {
  time: number;
  deviceId: string;
  qualityType: QualityType;
  modelName: string;
  modelVersion: string;
  firmware: string;
  readingSequence: number;
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
  /** Writes the rows idempotently; returns the rows the store itself refused, to be quarantined. */
  writePredictions(rows: readonly PredictionRow[]): Promise<{ rejected: QuarantineRow[] }>;
}

/** Port: the dead-letter path for records that cannot be scored. */
export interface QuarantineSink {
  /** Stores the rows idempotently (keyed by their source event id). */
  quarantine(rows: readonly QuarantineRow[]): Promise<void>;
}
