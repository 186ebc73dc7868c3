import type { DriftEvent, DriftState } from '../drift/types.js';
import type { ForecastReader } from '../forecast/types.js';
import type { FailureMode } from '../inference/types.js';
import type { PeriodQueries, TimeRange } from '../store/types.js';
import type { ToolName } from './constants.js';

/** Port: the drift monitor's past events (the local event log; EventBridge keeps none to read back). */
export interface DriftEventHistory {
  /** Events whose time lies in the range, newest first, at most `limit`. */
  recentEvents(options: { range: TimeRange; limit: number }): Promise<DriftEvent[]>;
}

/** What the tools need: the store's period queries, the drift event history if there is one, and a clock. */
export interface AgentToolDeps {
  queries: PeriodQueries;
  /** Absent where events cannot be read back (EventBridge in AWS). */
  events?: DriftEventHistory;
  /** Why `events` is absent, reported with drift_status. */
  eventsUnavailableReason?: string;
  /** The failure forecast; absent where none is configured. */
  forecasts?: ForecastReader;
  /** Why `forecasts` is absent, reported with maintenance_plan. */
  forecastsUnavailableReason?: string;
  now: () => number;
}

/** A period as a tool reports it. */
export interface PeriodOut {
  name: string;
  from: string;
  to: string;
}

/** What the store holds overall, reported when a period is empty. */
export interface StoreSpanOut {
  predictions: number;
  first: string | null;
  last: string | null;
}

/** Readings as the tools report them (rounded). */
export interface ReadingsOut {
  airTemperatureK: number;
  processTemperatureK: number;
  rotationalSpeedRpm: number;
  torqueNm: number;
  toolWearMin: number;
}

export interface FleetSummaryResult {
  tool: 'fleet_summary';
  period: PeriodOut;
  predictions: number;
  machines: number;
  /** Predictions whose failure decision was positive. */
  alarms: number;
  machinesWithAlarms: number;
  /** Readings whose predicted modes include each mode. */
  flaggedByMode: Record<FailureMode, number>;
  meanRisk: number | null;
  firstReading: string | null;
  lastReading: string | null;
  fleetMeans: ReadingsOut | null;
  modelVersions: string[];
  quarantined: number;
  quarantinedByCode: Record<string, number>;
  store?: StoreSpanOut;
  note?: string;
}

/** One machine's risk as the tools report it. */
export interface MachineRiskOut {
  machine: string;
  type: string;
  firmware: string;
  /** Mean any-failure probability over the machine's latest `window` readings in the period. */
  risk: number;
  meanRisk: number;
  peakRisk: number;
  alarms: number;
  readings: number;
  firstSeen: string;
  lastSeen: string;
  leadingMode: FailureMode;
  leadingModeProbability: number;
  modeProbabilities: Record<FailureMode, number>;
  flaggedByMode: Record<FailureMode, number>;
  latest: ReadingsOut & { time: string; risk: number; predictedModes: FailureMode[]; powerKw: number };
  /** The readings that explain the risk: AI4I failure rules at the latest reading, deviations from the fleet. */
  drivers: string[];
}

export interface TopAtRiskResult {
  tool: 'top_at_risk';
  period: PeriodOut;
  rankedBy: string;
  window: number;
  limit: number;
  mode: FailureMode | null;
  machines: (MachineRiskOut & { rank: number })[];
  store?: StoreSpanOut;
  note?: string;
}

/** One stored prediction as the tools report it. */
export interface PredictionOut extends ReadingsOut {
  time: string;
  risk: number;
  alarm: boolean;
  predictedModes: FailureMode[];
  modeProbabilities: Record<FailureMode, number>;
}

export interface MachineHistoryResult {
  tool: 'machine_history';
  machine: string;
  period: PeriodOut;
  limit: number;
  found: boolean;
  summary: MachineRiskOut | null;
  /** Newest first. */
  recent: PredictionOut[];
  alarms: PredictionOut[];
  quarantinedByCode: Record<string, number>;
  store?: StoreSpanOut;
  note?: string;
}

export interface DriftEventOut {
  time: string;
  type: string;
  scope: string;
  state: DriftState;
  previousState: DriftState;
  severity: string;
  rule: string;
  features: string[];
}

export interface DriftStatusResult {
  tool: 'drift_status';
  period: PeriodOut;
  available: boolean;
  scopes: {
    scope: string;
    state: DriftState;
    windowEnd: string;
    modelVersion: string;
    topFeatures: {
      feature: string;
      psi: number;
      meanShift: number;
      varianceRatio: number | null;
      breached: boolean | null;
    }[];
  }[];
  windowsByState: Record<DriftState, number>;
  events: {
    available: boolean;
    items: DriftEventOut[];
    retrainingRecommended: number;
    reason?: string;
  };
  note?: string;
}

/** One machine maintenance_plan lists: when it is due, why, and what to do first. */
export interface PlannedMachineOut {
  rank: number;
  machine: string;
  type: string;
  dueAt: string;
  /** Minutes from the fleet's latest reading. */
  dueInMinutes: number;
  leadingMode: string | null;
  /** Probability of a forecastable failure within the planned window. */
  probabilityWithin: number;
  /** Probability of each mode within the forecast's horizon. */
  probabilityByMode: Record<string, number>;
  toolWearMin: number;
  lastReading: string;
  action: {
    do: string;
    probabilityWithinNoticeAfter: number;
    probabilityWithinHorizonAfter: number;
    dueAtAfter: string | null;
  } | null;
}

export interface MaintenancePlanResult {
  tool: 'maintenance_plan';
  available: boolean;
  reason?: string;
  generatedAt?: string;
  model?: string;
  /** The fleet's latest reading: the window starts here. */
  asOf?: string;
  withinHours: number;
  horizonHours?: number;
  dueLevel?: number;
  noticeHours?: number;
  machines: PlannedMachineOut[];
  /** Machines due after the window but within the horizon, and not due within the horizon. */
  dueLater: number;
  notDue: number;
  notEnoughData: { machine: string; reason: string }[];
  /** Modes the forecast reports as a steady rate, not as a time. */
  notForecast: { mode: string; note: string }[];
  note?: string;
}

/** Any tool's result, tagged by `tool`. */
export type ToolResult =
  | FleetSummaryResult
  | TopAtRiskResult
  | MachineHistoryResult
  | DriftStatusResult
  | MaintenancePlanResult;

/** A tool call the local planner (or a trace) names. */
export interface ToolCall {
  name: ToolName;
  input: Record<string, unknown>;
}
