import { QUALITY_TYPES } from '../../schemas/reading.js';
import type { ScopeKey } from './types.js';

/**
 * The calibration shipped with the model (in its artifacts folder, packaged with the drift function): made by
 * `pfm drift calibrate --in <training file>` from the training file in its own (time) order.
 */
export const DRIFT_CALIBRATION_FILE = 'drift-calibration.json';

/**
 * The calibration shipped for a stationary simulated fleet of `machines` machines watched in windows of
 * `windowRecords` readings (`pfm drift calibrate --machines N --window W`): what a stack whose readings come
 * from its own fleet simulator packages instead of the training file's.
 */
export function simulatedCalibrationFile(machines: number, windowRecords: number): string {
  return `drift-calibration.simulated-${machines}x${windowRecords}.json`;
}

/** Version of the event detail schema (schemas/drift-event.schema.json). */
export const DRIFT_EVENT_SCHEMA_VERSION = '1.0';

/** EventBridge `source` of every drift event. */
export const DRIFT_EVENT_SOURCE = 'pfm.drift';

/** Every scope the monitor keeps: the fleet, then one per quality type. */
export const SCOPES: readonly ScopeKey[] = ['fleet', ...QUALITY_TYPES.map((q) => `quality:${q}` as const)];

/**
 * Features that are constant by construction inside a quality-type scope (the type is the scope), so
 * testing them there would only measure the scope's definition.
 */
export const QUALITY_SCOPE_EXCLUDED_FEATURES: readonly string[] = ['quality_type_ordinal'];

/** Distinct devices a window remembers per scope (see ScopeAccumulator.devices). */
export const DEVICE_SAMPLE_CAP = 32;

/**
 * False stuck-sensor flags allowed per window across the whole fleet (calibration sets each sensor's run
 * threshold from it). Kept well under the drift tests' alpha: a stuck-sensor event names one machine, and a
 * false one sends someone to it.
 */
export const STUCK_ALPHA = 1e-4;

/** Fewest identical readings in a row that may flag a stuck sensor, whatever the calibration says. */
export const MIN_STUCK_RUN = 5;

/** A device not heard from for this many windows is forgotten by the stuck-sensor check (unless stuck). */
export const DEVICE_MEMORY_WINDOWS = 1000;

/**
 * A shard's mark in the fleet window is kept this long after its last period: longer than Lambda retries a
 * Kinesis batch (maxRecordAge is at most 7 days), so a retried final invocation is always recognized.
 */
export const SHARD_RETENTION_MS = 7 * 24 * 3600 * 1000;

/** Lambda keeps at most 1 MB of tumbling-window state per shard. */
export const STATE_LIMIT_BYTES = 1024 * 1024;

/** The decision policy: false-alarm budget, hysteresis, cooldown, CUSUM and scope minimums. */
export interface DriftPolicy {
  /**
   * Family-wise false-alarm budget per window, shared by all scopes, features and tests: half goes to the
   * per-window tests (Bonferroni), half to the CUSUMs (their in-control run length is set from it).
   */
  alpha: number;
  /** DRIFT when at least M of the last N windows breached. */
  m: number;
  n: number;
  /** Back to OK after K consecutive clean windows. */
  k: number;
  /** At most one FeatureDriftDetected per scope within this many windows. */
  cooldownWindows: number;
  /** ModelRetrainingRecommended once a fleet-wide episode lasts this many windows (or is high severity). */
  retrainAfterWindows: number;
  /** CUSUM reference value, in null standard deviations (detects shifts of about 2k per window fastest). */
  cusumK: number;
  /**
   * The reference is a sample too (4,800 training rows): its mean and variance are off by about 1/sqrt(n_ref)
   * of their own, for ever. A CUSUM against it would slowly add that fixed error up and alarm on a stream
   * that matches the population exactly, so the CUSUM ignores persistent offsets within this many standard
   * errors of the reference (added to k).
   */
  referenceToleranceZ: number;
  /** A scope is scored only when its part of the window holds at least this many readings. */
  minScopeRecords: number;
  /**
   * ... and readings from at least this many devices (at most DEVICE_SAMPLE_CAP): a handful of machines is
   * not a population, its window statistics say more about which machines it has than about drift.
   */
  minScopeDevices: number;
  /** Features listed per event. */
  topFeatures: number;
}

/** Defaults: 1 false alarm per 1,000 windows at most, DRIFT on 2 of 3 breaching windows, OK after 3 clean. */
export const DEFAULT_POLICY: DriftPolicy = {
  alpha: 0.001,
  m: 2,
  n: 3,
  k: 3,
  cooldownWindows: 10,
  retrainAfterWindows: 3,
  cusumK: 0.5,
  referenceToleranceZ: 3,
  minScopeRecords: 50,
  minScopeDevices: 10,
  topFeatures: 5,
};

/** Conventional PSI bands (0.1 moderate, 0.25 major) and matching mean/variance effects, for severity. */
export const SEVERITY_BANDS = {
  medium: { psi: 0.1, meanShift: 0.5, varianceRatio: 1.5 },
  high: { psi: 0.25, meanShift: 1, varianceRatio: 2 },
} as const;

/** Key and attribute names of the drift state table (DynamoDbDriftStateStore; infra creates the table with them). */
export const DRIFT_STATE_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds; the table's TTL attribute, so old partials and abandoned locks disappear. */
  ttl: 'expiresAt',
} as const;
