import type { MachineReading, QualityType } from '../../schemas/reading.js';
import type { DueMemory } from './dueState.js';

/** One past reading of a machine: the process values and when they were read (epoch ms). */
export interface TimedReading extends MachineReading {
  time: number;
}

/** What the forecaster is given about one machine: its own recent readings, in any order. */
export interface MachineHistory {
  deviceId: string;
  readings: readonly TimedReading[];
}

/** How far and how finely to look ahead, and how the answer is summarised. */
export interface ForecastSettings {
  /** How far ahead of the machine's last reading to project (ms of operation). */
  horizonMs: number;
  /** The projection's time step (ms): one projected reading per step, path and draw. */
  stepMs: number;
  /** Sampled slow-state paths per machine (temperature walk, tool lives). */
  paths: number;
  /** Torque/speed draws per path and step; futures per machine = paths x drawsPerPath. */
  drawsPerPath: number;
  /** Cumulative probability at which maintenance is due ("due by" is when it is reached). */
  dueLevel: number;
  /**
   * The notice window: a machine becomes due (and a MaintenanceDue event goes out) when its probability
   * of a forecastable failure within this window reaches dueLevel; it stays due until that probability
   * falls below releaseLevel.
   */
  noticeMs: number;
  releaseLevel: number;
  /** Horizons (ms, each <= horizonMs) the per-mode probabilities are reported for. */
  reportHorizonsMs: readonly number[];
  /** Readings a machine needs before it gets a number rather than "not enough data". */
  minReadings: number;
  /** Own tool replacements a machine needs before its tool life is learned from itself, not the fleet. */
  minOwnReplacements: number;
  /** "Lower the load": the torque multiplied by 1 - loadReduction, spindle speed unchanged. */
  loadReduction: number;
  /** Also project "replace the tool now" and "lower the load" (3x the rows). */
  actions: boolean;
  /** Rows per scorer run: a bound on the tensors' memory (about 1.4 kB per row inside onnxruntime). */
  chunkRows: number;
  /** Seed of the Monte Carlo (32-bit integer). */
  seed: number;
}

/**
 * The per-class calibration the forecaster applies to the model's probabilities, fitted on labelled data
 * the model was trained on (`pfm forecast calibrate`), and which modes the data shows to be forecastable.
 */
export interface ForecastCalibration {
  /** sha256 of the model.onnx it was fitted for. */
  modelSha256: string;
  /** Per class of classes.txt: calibrated odds = model odds / oddsDivisor. */
  classes: Record<string, { oddsDivisor: number; observedRate: number; meanModelProbability: number }>;
  /**
   * Per failure mode: the AUC of the mode's probability at one process for a failure of that mode in the
   * next `aheadProcesses` processes, in the data's time order; forecastable when >= `minAheadAuc`.
   */
  modes: Record<string, { aheadAuc: number; forecastable: boolean }>;
  aheadProcesses: number;
  minAheadAuc: number;
  /** Where it was fitted: file name, its sha256, rows. */
  fittedOn: { file: string; sha256: string; rows: number };
}

/** A temperature's slow wander as learned from one machine's readings (K, per hour of operation). */
export interface WalkEstimate {
  /** Filtered current level (K). */
  level: number;
  /** Standard deviation of the walk's change over one hour (K). */
  sdPerHour: number;
  /** Drift used in the projection (K per hour), shrunk towards zero by its uncertainty. */
  driftPerHour: number;
  /** Measurement noise the readings carry around the level (K, standard deviation). */
  noiseSd: number;
}

/** What the forecaster learned about one machine from its own readings. */
export interface MachineProfile {
  deviceId: string;
  qualityType: QualityType;
  readings: number;
  /** Time of the last reading: the projection starts here. */
  asOf: number;
  /** Median time between readings (ms): one reading is one process. */
  paceMs: number;
  /** Tool wear gained per hour of operation (min of tool use per hour). */
  wearPerHour: number;
  /** Tool wear at the last reading (min). */
  toolWearMin: number;
  /** Wear at which each tool this machine was seen to lose was replaced (min; its last reading plus one). */
  replacementWears: number[];
  /** Torque and speed of every reading: the distribution a future process draws from. */
  torqueNm: Float64Array;
  speedRpm: Float64Array;
  air: WalkEstimate;
  /** Process minus air temperature. */
  delta: WalkEstimate;
}

/** Why a machine gets no forecast. */
export interface NotEnoughData {
  deviceId: string;
  readings: number;
  reason: string;
}

/** The maintenance actions the forecaster can weigh. */
export const ACTION_KINDS = ['replace_tool', 'reduce_load'] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

/** The projection re-run with one action taken at the machine's last reading (same random numbers). */
export interface ActionOutcome {
  action: ActionKind;
  /** What it means, in words a planner acts on. */
  description: string;
  /** Probability of a forecastable failure within the notice window, and within the horizon, after the action. */
  noticeProbability: number;
  probability: number;
  dueAt: number | null;
  /** Mean time to the first forecastable failure within the horizon after the action (ms). */
  expectedTimeToFailureMs: number;
}

/** The probability of a failure within one horizon, by mode and together. */
export interface HorizonOutlook {
  horizonMs: number;
  /** A failure of any forecastable mode. */
  forecastable: number;
  /** A failure of any mode, including the ones that strike at a steady rate whatever the readings. */
  any: number;
  byMode: Record<string, number>;
}

/** One machine's forecast. */
export interface MachineForecast {
  deviceId: string;
  status: 'ok';
  qualityType: QualityType;
  /** The last reading's time: the forecast's time zero. */
  asOf: number;
  /** Epoch ms at which the cumulative probability of a forecastable failure reaches the due level; null beyond the horizon. */
  dueAt: number | null;
  /** Probability of a forecastable failure within the notice window (what the due rule reads). */
  noticeProbability: number;
  /** The forecastable mode with the highest probability by the due time (or by the horizon's end). */
  leadingMode: string | null;
  horizons: HorizonOutlook[];
  /** Cumulative probability of a forecastable failure at the end of each step (the risk curve). */
  curve: { time: number; probability: number }[];
  /** Mean time to the first forecastable failure counted within the horizon (ms); a lower bound when `beyondHorizon` > 0. */
  expectedTimeToFailureMs: number;
  /** Probability of no forecastable failure within the horizon. */
  beyondHorizon: number;
  /**
   * The action that puts the first forecastable failure furthest off (largest gain in expected time to it
   * within the horizon), if it gains at least 5 % of the horizon or lowers the horizon probability by 0.05.
   */
  recommendation: ActionOutcome | null;
  actions: ActionOutcome[];
  learned: {
    readings: number;
    paceMs: number;
    wearPerHour: number;
    toolWearMin: number;
    toolReplacementsSeen: number;
    toolLifeFrom: 'machine' | 'fleet' | 'none';
    air: WalkEstimate;
    delta: WalkEstimate;
  };
}

/** A machine without enough history for a number. */
export interface MachineWithoutForecast extends NotEnoughData {
  status: 'not_enough_data';
}

/** Whether each failure mode is forecast, and why. */
export interface ModeNote {
  mode: string;
  forecastable: boolean;
  aheadAuc: number;
  note: string;
}

/** The whole fleet's forecast from one run. */
export interface FleetForecast {
  generatedAt: number;
  model: { name: string; version: string };
  settings: ForecastSettings;
  modes: ModeNote[];
  /** Machines with a forecast first, by due time (soonest first), then the ones without. */
  machines: (MachineForecast | MachineWithoutForecast)[];
  /** Projected readings scored (all scenarios) and scorer runs used. */
  rowsScored: number;
  scorerRuns: number;
}

/** How much of each machine's past a forecast reads. */
export interface HistoryWindow {
  /** Readings within this long before the machine's own latest reading. */
  historyMs: number;
  /** At most this many of its latest readings. */
  maxReadings: number;
}

/** Port: each machine's recent readings, from wherever the scored readings are kept. */
export interface HistorySource {
  /** Every machine's readings within the window, oldest first; one entry per machine. */
  recentHistories(window: HistoryWindow): Promise<MachineHistory[]>;
}

/** Port: the latest fleet forecast (computed on demand locally, read back from the store in AWS). */
export interface ForecastReader {
  /** The fleet's forecast, or null when there is nothing to forecast from. */
  latestForecast(): Promise<FleetForecast | null>;
}

/** Port: where each forecast run's rows go for dashboards and the deployed agent (a measurement or table). */
export interface ForecastSink {
  /** Writes one row per machine of the run, at the run's time; writing the same run again rewrites the same rows. */
  writeForecast(forecast: FleetForecast): Promise<void>;
}

/** The due memory of every machine, as last saved, with the revision a save must match. */
export interface StoredDueMemory {
  machines: Record<string, DueMemory>;
  /** 0 when nothing was saved yet. */
  revision: number;
}

/**
 * Port: what the forecast cycle remembers between runs (which machines are due, which tool was notified), so a
 * MaintenanceDue event goes out once per machine and tool whichever process runs the cycle.
 */
export interface DueStateStore {
  load(): Promise<StoredDueMemory>;
  /**
   * Saves the memory as revision `expectedRevision + 1`; throws a retryable PfmError (SINK_UNAVAILABLE) when the
   * stored revision is no longer `expectedRevision` (another cycle saved in between).
   */
  save(machines: Record<string, DueMemory>, expectedRevision: number): Promise<void>;
}
