import type { MachineReading, QualityType } from '../../schemas/reading.js';
import type { BusEvent } from '../events/types.js';

/** Decision states of a scope: OK, WARN (a breach in the recent windows), DRIFT (confirmed). */
export const DRIFT_STATES = ['OK', 'WARN', 'DRIFT'] as const;
export type DriftState = (typeof DRIFT_STATES)[number];

/** EventBridge detail types the monitor emits. */
export const DRIFT_DETAIL_TYPES = [
  'FeatureDriftDetected',
  'ModelRetrainingRecommended',
  'DriftResolved',
  'SensorStuck',
  'SensorRecovered',
] as const;
export type DriftDetailType = (typeof DRIFT_DETAIL_TYPES)[number];

/** The per-window tests and the sequential detector; a breach names the ones that fired. */
export const DRIFT_TESTS = ['mean', 'variance', 'psi', 'cusum', 'stuck'] as const;
export type DriftTest = (typeof DRIFT_TESTS)[number];

/** Why a decision changed. */
export const DECISION_RULES = [
  'm-of-n',
  'cusum',
  'k-clean',
  'cooldown-elapsed',
  'persistence',
  'severity',
  'stuck-run',
] as const;
export type DecisionRule = (typeof DECISION_RULES)[number];

/** How far a drifting window is from the reference (see SEVERITY_BANDS). */
export const SEVERITIES = ['low', 'medium', 'high'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** The slices of the stream that are monitored: the whole fleet and each product quality type. */
export type ScopeKey = 'fleet' | `quality:${QualityType}`;

/** The raw sensor fields of a reading the stuck-sensor check watches, in this order everywhere. */
export const SENSORS = [
  'airTemperatureK',
  'processTemperatureK',
  'rotationalSpeedRpm',
  'torqueNm',
  'toolWearMin',
] as const satisfies readonly (keyof MachineReading)[];
export type Sensor = (typeof SENSORS)[number];

/** Reference statistics of one model input feature (from the training split, unscaled). */
export interface FeatureReference {
  name: string;
  /** The scaler's mean and std: the standardized shift is measured in the units the model sees. */
  mean: number;
  std: number;
  min: number;
  max: number;
  /** Training rows the statistics come from. */
  n: number;
  /** 9 decile edges; bin i holds edges[i-1] < x <= edges[i]. */
  binEdges: readonly number[];
  /** Reference share of each of the 10 bins. */
  proportions: readonly number[];
  /**
   * Bins grouped so that each group has a non-zero reference share (a discrete feature has tied edges and
   * empty bins): binGroup[bin] is the group index; PSI and its degrees of freedom are taken over groups.
   */
  binGroup: readonly number[];
  groupProportions: readonly number[];
}

/** The frozen reference the monitor compares live windows with, tied to one model by content hash. */
export interface DriftReference {
  modelName: string;
  /** sha256 of model.onnx, as recorded by training in reference.json. */
  modelSha256: string;
  /** Short model version (the first 12 hex digits of modelSha256). */
  modelVersion: string;
  /** sha256 of the reference.json bytes. */
  referenceSha256: string;
  /**
   * sha256 of the statistics alone (feature names, moments, bounds, bins): what a calibration depends on.
   * A retrained model on the same training rows keeps it, so its calibration stays valid.
   */
  statisticsSha256: string;
  features: readonly FeatureReference[];
}

/** Sufficient statistics of one feature over a window; adding and merging are sums, so merges are exact. */
export interface FeatureAccumulator {
  /** Finite values seen. */
  n: number;
  /** Σ (x - c) and Σ (x - c)² with c the reference mean: stable when the data sit near the reference. */
  s1: number;
  s2: number;
  /** Non-finite values (NaN, ±Infinity), excluded from every other statistic. */
  missing: number;
  /** Finite values below the reference minimum / above the reference maximum. */
  below: number;
  above: number;
  /** Counts per reference bin (10). */
  bins: number[];
}

/** One scope's part of a window. */
export interface ScopeAccumulator {
  records: number;
  /**
   * The smallest distinct device ids seen, sorted, at most DEVICE_SAMPLE_CAP of them: enough to tell whether
   * a scope holds enough machines to be a population, canonical (independent of arrival order) so merges
   * stay exact, and bounded so Lambda's state stays small.
   */
  devices: string[];
  features: FeatureAccumulator[];
}

/**
 * Runs of identical consecutive values of one sensor of one device within a window. Two summaries of
 * consecutive stretches of readings concatenate exactly (see concatRuns), so shards' and batches' partials
 * merge into the summary of the whole stretch.
 */
export interface SensorRuns {
  /** The first value, and how many readings at the start repeat it (the whole stretch when all are equal). */
  first: number;
  prefix: number;
  /** The last value, and how many readings at the end repeat it. */
  last: number;
  suffix: number;
  /** The longest run inside the stretch and its value. */
  longest: number;
  longestValue: number;
}

/** One device's readings in a window, as the stuck-sensor check needs them. */
export interface DeviceRuns {
  readings: number;
  /** Per sensor, in SENSORS order. */
  sensors: SensorRuns[];
}

/** Everything a window needs to be scored; a monoid under mergeWindows. */
export interface WindowState {
  /** Earliest and latest reading timestamp (epoch ms), null while empty. */
  firstReadingAt: number | null;
  lastReadingAt: number | null;
  /** Decoded readings folded in. */
  records: number;
  /** Records that could not be decoded (skipped; the inference processor quarantines them). */
  undecodable: number;
  scopes: Partial<Record<ScopeKey, ScopeAccumulator>>;
  /** Per device: its sensors' runs of identical values, for the stuck-sensor check. */
  devices: Record<string, DeviceRuns>;
}

/** A closed window ready to be evaluated. */
export interface ClosedWindow {
  /** Monotonic window number (count windows) or window start in epoch ms (time windows); orders windows. */
  seq: number;
  /** Window bounds (epoch ms): the tumbling window in Lambda, first/last reading time for count windows. */
  start: number;
  end: number;
  state: WindowState;
  /** The window closed before its time or count was reached (Lambda's isWindowTerminatedEarly, a flush). */
  terminatedEarly: boolean;
}

/** Null-distribution scale of one feature's scores in one scope, measured by replaying stationary windows. */
export interface FeatureCalibration {
  /** Var(standardized mean shift) relative to iid sampling (a design effect; 1 = iid). */
  mean: number;
  /** Var(ln variance ratio) relative to normal-theory iid sampling. */
  variance: number;
  /** n_eff · PSI is taken as psiScale · chi-square(psiDof) (Satterthwaite: matches mean and variance). */
  psiScale: number;
  psiDof: number;
  /** Long-run variance factors of the window z-scores, (1 + rho) / (1 - rho), for the CUSUM. */
  meanLongRun: number;
  varianceLongRun: number;
}

/**
 * How a healthy sensor of one device repeats its previous value, measured on stationary per-device
 * sequences, and the run of identical readings that flags it as stuck.
 */
export interface SensorRunCalibration {
  /** Consecutive pairs of readings measured, and the share of them where the value repeated. */
  transitions: number;
  repeatRate: number;
  /** Longest run of identical readings seen. */
  longestRun: number;
  /**
   * Probability that a run continues, fitted on the tail of the run lengths (upper 95 % bound): runs longer
   * than any seen are extrapolated with it.
   */
  tailContinuation: number;
  /** A run of at least this many identical readings flags the sensor as stuck. */
  runThreshold: number;
}

/** Per scope and feature null scales; scopes or features without an entry use iid theory. */
export interface DriftCalibration {
  version: 2;
  /** Window size the calibration was measured at; it is only valid for windows of about this size. */
  windowRecords: number;
  windows: number;
  /** Free text: where the stationary windows came from. */
  source: string;
  /** The reference statistics it was measured against (DriftReference.statisticsSha256). */
  referenceStatisticsSha256: string;
  scopes: Partial<Record<ScopeKey, Record<string, FeatureCalibration>>>;
  /** Per sensor run statistics; a sensor without an entry is not checked for being stuck. */
  sensors: Partial<Record<Sensor, SensorRunCalibration>>;
}

/** Scores of one feature in one scope and window (the CUSUM part is added by the decision step). */
export interface FeatureScore {
  feature: string;
  n: number;
  mean: number;
  /** (window mean - reference mean) / reference std. */
  meanShift: number;
  zMean: number;
  pMean: number;
  /** Window variance / reference variance. */
  varianceRatio: number;
  zVariance: number;
  pVariance: number;
  psi: number;
  pPsi: number;
  missingFraction: number;
  outOfRangeFraction: number;
  /**
   * CUSUM inputs of this window, in long-run null standard deviations: the mean shift and the log variance
   * ratio, each with its own reference value k (the policy's k plus the reference's own uncertainty).
   */
  sequential: { mean: number; variance: number; kMean: number; kVariance: number };
  /** Largest one-sided CUSUM statistic of the feature as a fraction of its alarm threshold (1 = alarm). */
  cusum: number;
  /** The tests that breached in this window. */
  breached: DriftTest[];
  /** Smallest p-value of the per-window tests (before the multiple-testing correction). */
  minP: number;
}

/** One row of the drift_scores table: a feature's scores in a scope and window. */
export interface DriftScoreRow {
  /** Window end (epoch ms). */
  time: number;
  scope: ScopeKey;
  feature: string;
  windowStart: number;
  windowEnd: number;
  n: number;
  meanShift: number;
  varianceRatio: number;
  psi: number;
  cusum: number;
  /** The scope's decision state after this window. */
  state: DriftState;
  breached: boolean;
  modelVersion: string;
}

/** A feature as it appears in an event. */
export interface EventFeature {
  feature: string;
  meanShift: number;
  varianceRatio: number;
  psi: number;
  cusum: number;
  /** Smallest per-window p-value (before correction). */
  pValue: number;
  breached: DriftTest[];
}

/** The `detail` of a drift event (schemas/drift-event.schema.json). */
export interface DriftEventDetail {
  schemaVersion: '1.0';
  eventId: string;
  model: { name: string; version: string; sha256: string };
  reference: { sha256: string };
  /** `device` for the stuck-sensor events (SensorStuck, SensorRecovered): `id` is the device id. */
  scope: { kind: 'fleet' | 'qualityType' | 'device'; id: string };
  window: { seq: number; start: string; end: string; records: number; terminatedEarly: boolean };
  decision: {
    state: DriftState;
    previousState: DriftState;
    severity: Severity;
    rule: DecisionRule;
    /** Breaching windows among the last `windowsConsidered`. */
    breachingWindows: number;
    windowsConsidered: number;
    /** Windows the scope has been in DRIFT (this one included) when the event was made. */
    driftWindows: number;
  };
  topFeatures: EventFeature[];
  /** Stuck-sensor events only: the sensors that became stuck (SensorStuck) or recovered (SensorRecovered). */
  sensors?: StuckSensor[];
}

/** A sensor of one device in a stuck-sensor event. */
export interface StuckSensor {
  sensor: Sensor;
  /** The value it repeats (SensorStuck) or last repeated (SensorRecovered). */
  value: number;
  /** Identical consecutive readings: the run that flagged it, or the longest while it was stuck. */
  run: number;
  /** The calibrated run that flags a stuck sensor. */
  runThreshold: number;
}

/** A drift event as published: EventBridge's envelope fields plus the detail. */
export interface DriftEvent extends BusEvent {
  source: string;
  detailType: DriftDetailType;
  /** Event time: the end of the window that caused it (ISO-8601). */
  time: string;
  detail: DriftEventDetail;
}

/** Port: where per-window drift scores go, for dashboards (the prediction store). */
export interface DriftScoreSink {
  /** Writes the rows idempotently (keyed by scope, feature and window). */
  writeDriftScores(rows: readonly DriftScoreRow[]): Promise<void>;
}

/** What the fleet window remembers of one shard: the highest sequence number folded and its period. */
export interface ShardMark {
  sequence: string;
  period: number;
}

/**
 * The fleet window the Lambda monitor fills from every shard's partials (see foldPartial): the window being
 * filled, the periods it spans, and each shard's mark (what was folded already, so a retry is recognized).
 */
export interface FleetWindowState {
  /** Number of the window being filled: windows are numbered 1, 2, ... across the fleet. */
  seq: number;
  window: WindowState;
  /** Earliest and latest tumbling period (start, epoch ms) folded in or seen; null while empty. */
  firstPeriod: number | null;
  lastPeriod: number | null;
  /** Shard partials folded into it. */
  partials: number;
  shards: Record<string, ShardMark>;
}

/** Everything the Lambda drift monitor keeps between invocations, in one record so it changes atomically. */
export interface StoredDriftState {
  version: 2;
  /** The decision memory (hysteresis, CUSUMs, cooldowns, the devices' runs). */
  monitor: MonitorState;
  fleet: FleetWindowState;
  /** The output of the last window evaluated, until the score sink and the publisher have taken it. */
  pending: { seq: number; rows: DriftScoreRow[]; events: DriftEvent[] } | null;
}

/**
 * Port: what the Lambda drift monitor keeps between invocations. Tumbling-window state ends with its period
 * and its shard, so the fleet window, the decision memory and the pending output live here, shared by every
 * shard's invocations and every cold start.
 */
export interface DriftStateStore {
  /** Runs `work` while no other invocation holds the lock. */
  withLock<T>(work: () => Promise<T>): Promise<T>;
  /** The state as last written (undefined: nothing yet); call under the lock. */
  readState(): Promise<StoredDriftState | undefined>;
  /** Replaces the state; fails (retryable) when someone else wrote it since this holder read it. */
  writeState(state: StoredDriftState): Promise<void>;
}

/** The decision memory of one scope, carried from window to window. */
export interface ScopeDecision {
  state: DriftState;
  /** Breach flags of the last N evaluated windows, oldest first. */
  recent: boolean[];
  /** Consecutive clean windows while in DRIFT. */
  cleanStreak: number;
  /** Windows spent in the current state, this one included. */
  windowsInState: number;
  /** Per feature (reference order): one-sided CUSUMs [mean up, mean down, variance up, variance down]. */
  cusum: number[][];
  /** The current DRIFT episode, if any. */
  episode: {
    startSeq: number;
    /** Evaluation count at which the episode started. */
    startedAt: number;
    /** A FeatureDriftDetected was published for it (false while the cooldown held it back). */
    announced: boolean;
    retrainingRecommended: boolean;
    severity: Severity;
  } | null;
  /** Evaluation count (window index within this scope) of the last FeatureDriftDetected. */
  lastAnnouncedAt: number | null;
  evaluated: number;
  /** Drift onsets whose announcement the cooldown held back. */
  suppressed: number;
}

/** What the stuck-sensor check remembers of one device between windows. */
export interface DeviceSensorMemory {
  /** Per sensor (SENSORS order): the value of the run the device's readings end with, and its length. */
  tail: [number, number][];
  /**
   * Sensors flagged as stuck: the value and the longest run since they were flagged, the device's clean
   * windows since the run broke, and the windows of the device's readings since they were flagged.
   */
  stuck: Partial<Record<Sensor, { value: number; run: number; clean: number; windows: number }>>;
  /** Window seq in which the device last reported (devices gone quiet for long are forgotten). */
  lastSeq: number;
}

/** The decision memory of the monitor: every scope, and the last window evaluated (for idempotency). */
export interface MonitorState {
  version: 1;
  lastSeq: number | null;
  scopes: Partial<Record<ScopeKey, ScopeDecision>>;
  /** Per device, for the stuck-sensor check (absent in states written before it existed). */
  devices?: Record<string, DeviceSensorMemory>;
}

/** What evaluating one window produced. */
export interface Evaluation {
  /** False when the window had already been evaluated (a redelivery): nothing else is set then. */
  applied: boolean;
  window: ClosedWindow;
  scores: Partial<Record<ScopeKey, FeatureScore[]>>;
  rows: DriftScoreRow[];
  events: DriftEvent[];
  state: MonitorState;
}
