import type { DriftScoreRow, DriftState } from '../drift/types.js';
import type { FailureMode } from '../inference/types.js';

/** One machine's recent risk, with the mode and readings that drive it. */
export interface MachineRisk {
  deviceId: string;
  qualityType: string;
  lastSeen: number;
  readings: number;
  /** Mean any-failure probability over the machine's most recent readings. */
  risk: number;
  peakRisk: number;
  predictedFailures: number;
  /** The failure mode with the highest mean probability over those readings. */
  leadingMode: FailureMode;
  leadingModeProbability: number;
  latest: {
    toolWearMin: number;
    torqueNm: number;
    rotationalSpeedRpm: number;
    temperatureDeltaK: number;
    predictedModes: string;
  };
}

/** Port: the read side of the prediction store the dashboard, `pfm top` and the run summary show. */
export interface FleetQueries {
  /** The machines ranked by their recent risk, over each machine's last `window` readings. */
  topAtRisk(options: { limit: number; window: number }): Promise<MachineRisk[]>;
  /** Row counts of the store: predictions, quarantined records, and predicted failures by mode. */
  counts(): Promise<StoreCounts>;
  /** One machine's latest `limit` predictions, oldest first: its risk and readings over time. */
  machineSeries(options: { deviceId: string; limit: number }): Promise<MachinePoint[]>;
  /** The whole store cut into `buckets` equally wide time buckets (empty buckets left out), oldest first. */
  fleetTimeline(options: { buckets: number }): Promise<FleetBucket[]>;
  /** One scope's drift scores over its latest `windows` windows, and every scope's latest state. */
  driftHistory(options: { scope: string; windows: number }): Promise<DriftHistory>;
}

export interface StoreCounts {
  predictions: number;
  quarantined: number;
  quarantinedByCode: Record<string, number>;
  predictedFailures: number;
  predictedByMode: Record<FailureMode, number>;
  devices: number;
}

/** A half-open time range [from, to) in epoch milliseconds. */
export interface TimeRange {
  from: number;
  to: number;
}

/** The five process readings of a prediction row, in the AI4I dataset's units. */
export interface ReadingValues {
  airTemperatureK: number;
  processTemperatureK: number;
  rotationalSpeedRpm: number;
  torqueNm: number;
  toolWearMin: number;
}

/** How much the store holds at all, so an empty period can be told apart from an empty store. */
export interface DataSpan {
  predictions: number;
  /** Epoch ms of the first and last prediction, null when the store is empty. */
  first: number | null;
  last: number | null;
}

/** The fleet over a time range. */
export interface FleetPeriodSummary {
  predictions: number;
  devices: number;
  /** Predictions whose any-failure decision was positive (alarms). */
  predictedFailures: number;
  devicesWithFailures: number;
  predictedByMode: Record<FailureMode, number>;
  /** Mean any-failure probability over the range; null without predictions. */
  meanRisk: number | null;
  first: number | null;
  last: number | null;
  /** Fleet means of the readings over the range (the baseline a machine is compared with). */
  readingMeans: ReadingValues | null;
  /** Sample standard deviations of the readings over the range (null with fewer than two predictions). */
  readingSds: ReadingValues | null;
  /** Model versions that scored the range (at most 10). */
  modelVersions: string[];
  quarantined: number;
  quarantinedByCode: Record<string, number>;
}

/** One machine's risk over a time range, and the readings behind it. */
export interface MachinePeriodRisk {
  deviceId: string;
  qualityType: string;
  firmware: string;
  readings: number;
  firstSeen: number;
  lastSeen: number;
  /** Mean any-failure probability over the machine's last `window` readings within the range. */
  recentRisk: number;
  /** Mean and peak any-failure probability over the whole range. */
  meanRisk: number;
  peakRisk: number;
  predictedFailures: number;
  predictedByMode: Record<FailureMode, number>;
  /** Mean probability of each mode over the same recent readings as `recentRisk`. */
  recentModeRisk: Record<FailureMode, number>;
  /** Mean readings over those recent readings. */
  recentMeans: ReadingValues;
  latest: ReadingValues & { time: number; risk: number; predictedModes: FailureMode[] };
}

/** One stored prediction, as the query side returns it. */
export interface PredictionRecord {
  time: number;
  deviceId: string;
  qualityType: string;
  firmware: string;
  modelVersion: string;
  readingSequence: number;
  probabilities: Record<FailureMode, number>;
  risk: number;
  failure: boolean;
  predictedModes: FailureMode[];
  readings: ReadingValues;
}

/** One machine over a time range: its summary, latest predictions and alarms, and records turned away. */
export interface MachineHistory {
  deviceId: string;
  /** Null when the machine has no prediction in the range. */
  summary: MachinePeriodRisk | null;
  /** Newest first, at most `limit`. */
  recent: PredictionRecord[];
  /** Predicted failures, newest first, at most `limit`. */
  alarms: PredictionRecord[];
  quarantinedByCode: Record<string, number>;
}

/** The drift scores of one feature in the latest evaluated window of a scope. */
export interface DriftFeatureStatus {
  feature: string;
  psi: number;
  meanShift: number;
  /** Null where the store does not keep it (the Timestream drift table holds PSI, mean shift and state). */
  varianceRatio: number | null;
  cusum: number | null;
  breached: boolean | null;
}

/** A scope's drift decision after its latest window in the range. */
export interface DriftScopeStatus {
  scope: string;
  state: DriftState;
  windowEnd: number;
  modelVersion: string;
  /** Features of that window, largest PSI first. */
  features: DriftFeatureStatus[];
}

/** Drift as the store records it over a time range. */
export interface DriftStatus {
  /** False when the store has no drift table (an older store, or one the drift monitor never wrote). */
  available: boolean;
  /** Why the drift scores are unavailable, when they are. */
  unavailableReason?: string;
  scopes: DriftScopeStatus[];
  /** Evaluated windows in the range by the state they left their scope in. */
  windowsByState: Record<DriftState, number>;
}

/** Port: the time-ranged read side the maintenance agent's tools use (DuckDB locally, Timestream in AWS). */
export interface PeriodQueries {
  /** How much the store holds overall. */
  dataSpan(): Promise<DataSpan>;
  /** The fleet over a range: counts, alarms by mode, mean risk, reading means, quarantine. */
  fleetSummary(range: TimeRange): Promise<FleetPeriodSummary>;
  /** Machines ranked by recent risk (or one mode's recent probability) within a range, at most `limit`. */
  riskRanking(options: {
    range: TimeRange;
    limit: number;
    window: number;
    mode?: FailureMode;
  }): Promise<MachinePeriodRisk[]>;
  /** One machine within a range: summary, latest `limit` predictions and alarms, quarantined records. */
  machineHistory(options: {
    deviceId: string;
    range: TimeRange;
    limit: number;
    window: number;
  }): Promise<MachineHistory>;
  /** Drift state per scope after its latest window in the range, with up to `features` features each. */
  driftStatus(options: { range: TimeRange; features: number }): Promise<DriftStatus>;
}

/** Port: the drift scores the store keeps, read back (`pfm drift scores`). */
export interface DriftScoreReader {
  /** The latest rows, newest window first, optionally for one scope and/or feature; at most `limit` (100). */
  latest(options?: { scope?: string; feature?: string; limit?: number }): Promise<DriftScoreRow[]>;
}

/** One prediction of a machine, as a point of its risk and readings over time. */
export interface MachinePoint {
  time: number;
  /** Any-failure probability. */
  risk: number;
  probabilities: Record<FailureMode, number>;
  failure: boolean;
  readings: ReadingValues;
}

/** The fleet within one time bucket of the store. */
export interface FleetBucket {
  /** Bucket bounds [start, end) in epoch ms. */
  start: number;
  end: number;
  predictions: number;
  devices: number;
  meanRisk: number;
  peakRisk: number;
  /** Predictions whose any-failure decision was positive, in total and by mode. */
  alarms: number;
  alarmsByMode: Record<FailureMode, number>;
}

/** A drift scope's latest decision as the store records it. */
export interface DriftScopeState {
  scope: string;
  state: DriftState;
  windowEnd: number;
  /** Windows evaluated in the scope. */
  windows: number;
}

/** One scope's recent drift scores and the latest state of every scope. */
export interface DriftHistory {
  /** False when the store has no drift table (the drift monitor never wrote to it). */
  available: boolean;
  scopes: DriftScopeState[];
  /** One row per feature and window, oldest window first. */
  rows: DriftScoreRow[];
}
