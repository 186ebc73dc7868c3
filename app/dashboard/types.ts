import type { DriftSnapshot } from '../../processors/drift/DriftMonitor.js';
import type { DriftDetailType, DriftReference, DriftState, Severity } from '../../processors/drift/types.js';
import type { ForecastReader } from '../../processors/forecast/types.js';
import type { FailureMode } from '../../processors/inference/types.js';
import type { FleetQueries, MachineRisk } from '../../processors/store/types.js';
import type { FeatureLimits } from '../pipeline/driftLimits.js';
import type { PipelineProgress } from '../pipeline/localPipeline.js';

/** What a running pipeline shows beyond its store: counters and the drift monitor's in-memory state. */
export interface LiveSources {
  /** The latest progress report; undefined before the first one. */
  progress(): PipelineProgress | undefined;
  /** The drift monitor's snapshot; defaults to `progress().drift`. */
  drift?(): DriftSnapshot | undefined;
}

/** The data the page reads: the store's query port, the data directory (for its event log), live counters. */
export interface DashboardSources {
  queries: FleetQueries;
  /** Without `live`, the page shows a finished run (the store as it was left). */
  live?: LiveSources;
  /** The failure forecast behind the "Due" column and a machine's forecast curve; absent: not shown. */
  forecasts?: ForecastReader;
}

export interface DashboardOptions extends DashboardSources {
  /** Data directory of the run: its drift-events.jsonl is tailed. */
  dataDir: string;
  /** Port on 127.0.0.1; 0 picks a free one; default DEFAULT_DASHBOARD_PORT, or a free one when that is taken. */
  port?: number;
  /** The drift reference, to show window means in the feature's own units; default: loaded from artifactsDir. */
  reference?: DriftReference | null;
  /** The model's any-failure threshold, drawn on the risk chart; default: read from artifactsDir. */
  alarmThreshold?: number | null;
  artifactsDir?: string;
  /** How often live progress is sampled for the throughput chart (default 1,000 ms). */
  sampleIntervalMs?: number;
  /** Wall clock (epoch ms), injected for tests. */
  clock?: () => number;
}

/** A started dashboard server. */
export interface Dashboard {
  url: string;
  port: number;
  /** Swaps what the page reads, e.g. from the pipeline's open store to a read-only one after the run ends. */
  setSources(sources: DashboardSources): void;
  close(): Promise<void>;
}

/** One sample of the pipeline's progress, for the throughput and lag chart. */
export interface ProgressSample {
  /** Wall-clock epoch ms. */
  at: number;
  /** The pipeline's own elapsed time: a repeated report is not a new sample. */
  elapsedMs: number;
  recordsPerSecond: number;
  lagRecords: number;
  lagMs: number;
}

/** GET /api/status: whether a pipeline is running and how it is doing. */
export interface StatusView {
  mode: 'live' | 'finished';
  /** Live and not done yet. */
  running: boolean;
  generatedAt: number;
  dataDir: string;
  pipeline: {
    /** Records produced, throughput and lag are only known while the pipeline runs. */
    produced: number | null;
    scored: number;
    quarantined: number;
    deadLettered: number;
    predictedFailures: number;
    recordsPerSecond: number | null;
    lagRecords: number | null;
    lagMs: number | null;
    elapsedMs: number | null;
    devices: number;
    quarantinedByCode: Record<string, number>;
    predictedByMode: Record<FailureMode, number>;
  };
  /** Columns for the throughput chart: times in epoch seconds. */
  history: { time: number[]; recordsPerSecond: number[]; lagRecords: number[]; lagMs: number[] };
}

/** How a machine's recent risk reads at a glance (display bands, not the model's decision thresholds). */
export type RiskLevel = 'high' | 'elevated' | 'normal';

/** One row of the machine table. */
export interface MachineRow extends MachineRisk {
  level: RiskLevel;
}

/** GET /api/machines: every machine, ranked by recent risk. */
export interface MachinesView {
  /** Readings per machine the risk is averaged over. */
  window: number;
  machines: MachineRow[];
}

/** GET /api/machines/:id: one machine's risk and readings over time, as chart columns (times in epoch seconds). */
export interface MachineDetailView {
  deviceId: string;
  points: number;
  alarms: number;
  /** Readings the running means are taken over (the table's risk window). */
  window: number;
  /** The model's any-failure threshold: a reading above it is an alarm (null when the artifacts are not at hand). */
  alarmThreshold: number | null;
  columns: {
    time: number[];
    /** Any-failure probability of each reading. */
    risk: number[];
    /** Running means over the last `window` readings: the risk the table ranks by, and each mode's part. */
    riskMean: number[];
    modeMeans: Record<FailureMode, number[]>;
    /** The reading's probability where the model predicted a failure, null elsewhere (drawn as markers). */
    alarm: (number | null)[];
    torqueNm: number[];
    toolWearMin: number[];
    rotationalSpeedRpm: number[];
    temperatureDeltaK: number[];
  };
}

/** GET /api/fleet: the fleet over the store's time span, as chart columns (times in epoch seconds). */
export interface FleetView {
  columns: {
    time: number[];
    predictions: number[];
    meanRisk: number[];
    peakRisk: number[];
    alarms: number[];
  };
  alarmsByMode: Record<FailureMode, number>;
}

/** One feature's drift against the reference over the recent windows of the fleet scope. */
export interface DriftPanel {
  feature: string;
  label: string;
  unit: string;
  reference: { mean: number; std: number } | null;
  /** The latest window: mean shift in reference standard deviations, its mean in the feature's units. */
  latest: {
    windowEnd: number;
    meanShift: number;
    mean: number | null;
    varianceRatio: number;
    psi: number;
    cusum: number;
    breached: boolean;
    /** The tests that fired (from the live monitor; empty for a finished run). */
    tests: string[];
    /** Readings of the fleet scope in the window, and the value of each statistic at which it breaches. */
    n: number;
    limits: FeatureLimits | null;
  } | null;
  /**
   * Times in epoch seconds; `breachedShift` holds the shift where the window breached, null elsewhere;
   * `shiftLimit` the |mean shift| at which each window would breach (null when unknown).
   */
  series: {
    time: number[];
    meanShift: number[];
    psi: number[];
    breachedShift: (number | null)[];
    shiftLimit: (number | null)[];
  };
}

/** GET /api/drift: the monitor's state per scope and one panel per model feature. */
export interface DriftView {
  available: boolean;
  /** The fleet scope's state, null before its first window. */
  fleet: DriftState | null;
  scopes: { scope: string; state: DriftState; windows: number }[];
  /** Window progress, from the live monitor. */
  windows: { evaluated: number; windowRecords: number; openRecords: number } | null;
  panels: DriftPanel[];
}

/** One drift event as the event list shows it. */
export interface EventRow {
  id: string;
  /** Epoch ms of the end of the window that caused it. */
  time: number;
  type: DriftDetailType;
  scope: string;
  from: DriftState;
  to: DriftState;
  severity: Severity;
  rule: string;
  windowSeq: number;
  features: { feature: string; label: string; meanShift: number; psi: number; breached: string[] }[];
}

/** GET /api/events: the run's drift events, newest first. */
export interface EventsView {
  total: number;
  byType: Record<DriftDetailType, number>;
  events: EventRow[];
}
