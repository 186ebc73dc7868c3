import { PfmError } from '../../kernel/errors.js';
import { powerW } from '../../model/physics.js';
import type { DriftEvent } from '../drift/types.js';
import { FAILURE_MODES, type FailureMode } from '../inference/types.js';
import type {
  DataSpan,
  FleetPeriodSummary,
  MachinePeriodRisk,
  PeriodQueries,
  PredictionRecord,
  ReadingValues,
} from '../store/types.js';
import { TOOL_DEFAULTS, type ToolName } from './constants.js';
import { explainRisk, type FleetBaseline, leadingMode } from './drivers.js';
import { clip, type ResolvedPeriod, resolvePeriod } from './periods.js';
import { parseToolInput } from './toolInputs.js';
import type {
  DriftEventHistory,
  DriftEventOut,
  DriftStatusResult,
  FleetSummaryResult,
  MachineHistoryResult,
  MachineRiskOut,
  PeriodOut,
  PredictionOut,
  ReadingsOut,
  StoreSpanOut,
  ToolResult,
  TopAtRiskResult,
} from './types.js';

/** What the tools need: the store's period queries, the drift event history if there is one, and a clock. */
export interface AgentToolDeps {
  queries: PeriodQueries;
  /** Absent where events cannot be read back (EventBridge in AWS). */
  events?: DriftEventHistory;
  /** Why `events` is absent, reported with drift_status. */
  eventsUnavailableReason?: string;
  now: () => number;
}

/** The maintenance agent's tools: raw parameters in (validated here), compact JSON results out. */
export interface AgentTools {
  /** Runs a tool by name; throws INVALID_TOOL_INPUT for bad parameters, store errors as they come. */
  run(name: ToolName, raw: unknown): Promise<ToolResult>;
  fleetSummary(raw: unknown): Promise<FleetSummaryResult>;
  topAtRisk(raw: unknown): Promise<TopAtRiskResult>;
  machineHistory(raw: unknown): Promise<MachineHistoryResult>;
  driftStatus(raw: unknown): Promise<DriftStatusResult>;
}

const round = (x: number, digits: number): number => {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};
const p3 = (x: number) => round(x, 3);
const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

function periodOut(p: ResolvedPeriod): PeriodOut {
  return { name: p.name, from: iso(p.range.from), to: iso(p.range.to) };
}

function readingsOut(r: ReadingValues): ReadingsOut {
  return {
    airTemperatureK: round(r.airTemperatureK, 1),
    processTemperatureK: round(r.processTemperatureK, 1),
    rotationalSpeedRpm: round(r.rotationalSpeedRpm, 0),
    torqueNm: round(r.torqueNm, 1),
    toolWearMin: round(r.toolWearMin, 0),
  };
}

function byMode(values: Record<FailureMode, number>, digits: number): Record<FailureMode, number> {
  return Object.fromEntries(FAILURE_MODES.map((m) => [m, round(values[m], digits)])) as Record<
    FailureMode,
    number
  >;
}

function spanOut(span: DataSpan): StoreSpanOut {
  return { predictions: span.predictions, first: isoOrNull(span.first), last: isoOrNull(span.last) };
}

function emptyNote(span: DataSpan, what: string, period: ResolvedPeriod): string {
  if (span.predictions === 0) return 'The store holds no predictions yet: has the pipeline run?';
  return `No ${what} in ${period.name} (${iso(period.range.from)} to ${iso(period.range.to)}); the store holds ${span.predictions} predictions from ${isoOrNull(span.first)} to ${isoOrNull(span.last)}.`;
}

function baseline(summary: FleetPeriodSummary): FleetBaseline | null {
  return summary.readingMeans && summary.readingSds
    ? { means: summary.readingMeans, sds: summary.readingSds }
    : null;
}

function machineOut(m: MachinePeriodRisk, fleet: FleetBaseline | null): MachineRiskOut {
  const lead = leadingMode(m);
  return {
    machine: m.deviceId,
    type: m.qualityType,
    firmware: m.firmware,
    risk: p3(m.recentRisk),
    meanRisk: p3(m.meanRisk),
    peakRisk: p3(m.peakRisk),
    alarms: m.predictedFailures,
    readings: m.readings,
    firstSeen: iso(m.firstSeen),
    lastSeen: iso(m.lastSeen),
    leadingMode: lead.mode,
    leadingModeProbability: p3(lead.probability),
    modeProbabilities: byMode(m.recentModeRisk, 3),
    flaggedByMode: m.predictedByMode,
    latest: {
      ...readingsOut(m.latest),
      time: iso(m.latest.time),
      risk: p3(m.latest.risk),
      predictedModes: m.latest.predictedModes,
      powerKw: round(powerW(m.latest.torqueNm, m.latest.rotationalSpeedRpm) / 1000, 2),
    },
    drivers: explainRisk(m, fleet),
  };
}

function predictionOut(p: PredictionRecord): PredictionOut {
  return {
    time: iso(p.time),
    risk: p3(p.risk),
    alarm: p.failure,
    predictedModes: p.predictedModes,
    modeProbabilities: byMode(p.probabilities, 3),
    ...readingsOut(p.readings),
  };
}

function eventOut(e: DriftEvent): DriftEventOut {
  return {
    time: e.time,
    type: e.detailType,
    // Named as drift_scores names scopes, so an event and a scope's state line up.
    scope: e.detail.scope.kind === 'fleet' ? 'fleet' : `quality:${e.detail.scope.id}`,
    state: e.detail.decision.state,
    previousState: e.detail.decision.previousState,
    severity: e.detail.decision.severity,
    rule: e.detail.decision.rule,
    features: e.detail.topFeatures.map((f) => f.feature),
  };
}

/** Builds the tools over the injected store port, event history and clock. */
export function createAgentTools(deps: AgentToolDeps): AgentTools {
  const { queries } = deps;

  async function fleetSummary(raw: unknown): Promise<FleetSummaryResult> {
    const input = parseToolInput('fleet_summary', raw);
    const period = resolvePeriod(input.period, deps.now());
    const s = await queries.fleetSummary(period.range);
    const result: FleetSummaryResult = {
      tool: 'fleet_summary',
      period: periodOut(period),
      predictions: s.predictions,
      machines: s.devices,
      alarms: s.predictedFailures,
      machinesWithAlarms: s.devicesWithFailures,
      flaggedByMode: s.predictedByMode,
      meanRisk: s.meanRisk === null ? null : p3(s.meanRisk),
      firstReading: isoOrNull(s.first),
      lastReading: isoOrNull(s.last),
      fleetMeans: s.readingMeans ? readingsOut(s.readingMeans) : null,
      modelVersions: s.modelVersions,
      quarantined: s.quarantined,
      quarantinedByCode: s.quarantinedByCode,
    };
    if (s.predictions === 0) {
      const span = await queries.dataSpan();
      result.store = spanOut(span);
      result.note = emptyNote(span, 'predictions', period);
    }
    return result;
  }

  async function topAtRisk(raw: unknown): Promise<TopAtRiskResult> {
    const input = parseToolInput('top_at_risk', raw);
    const period = resolvePeriod(input.period, deps.now());
    const [ranking, summary] = await Promise.all([
      queries.riskRanking({
        range: period.range,
        limit: input.limit,
        window: input.window,
        ...(input.mode ? { mode: input.mode } : {}),
      }),
      queries.fleetSummary(period.range),
    ]);
    const fleet = baseline(summary);
    const result: TopAtRiskResult = {
      tool: 'top_at_risk',
      period: periodOut(period),
      rankedBy: `mean ${input.mode ? `${input.mode} ` : 'any-failure '}probability over each machine's latest ${input.window} readings in the period`,
      window: input.window,
      limit: input.limit,
      mode: input.mode ?? null,
      // The port already caps at `limit`; slicing again keeps the promise if an adapter ever does not.
      machines: ranking.slice(0, input.limit).map((m, i) => ({ rank: i + 1, ...machineOut(m, fleet) })),
    };
    if (ranking.length === 0) {
      const span = await queries.dataSpan();
      result.store = spanOut(span);
      result.note = emptyNote(span, 'predictions', period);
    }
    return result;
  }

  async function machineHistory(raw: unknown): Promise<MachineHistoryResult> {
    const input = parseToolInput('machine_history', raw);
    const period = resolvePeriod(input.period, deps.now());
    const [history, summary] = await Promise.all([
      queries.machineHistory({
        deviceId: input.machine_id,
        range: period.range,
        limit: input.limit,
        window: TOOL_DEFAULTS.window,
      }),
      queries.fleetSummary(period.range),
    ]);
    const result: MachineHistoryResult = {
      tool: 'machine_history',
      machine: input.machine_id,
      period: periodOut(period),
      limit: input.limit,
      found: history.summary !== null,
      summary: history.summary ? machineOut(history.summary, baseline(summary)) : null,
      recent: history.recent.slice(0, input.limit).map(predictionOut),
      alarms: history.alarms.slice(0, input.limit).map(predictionOut),
      quarantinedByCode: history.quarantinedByCode,
    };
    if (history.summary === null) {
      const span = await queries.dataSpan();
      result.store = spanOut(span);
      result.note = emptyNote(span, `predictions for ${input.machine_id}`, period);
    }
    return result;
  }

  async function driftStatus(raw: unknown): Promise<DriftStatusResult> {
    const input = parseToolInput('drift_status', raw);
    const period = resolvePeriod(input.period, deps.now());
    const [status, events] = await Promise.all([
      queries.driftStatus({ range: period.range, features: TOOL_DEFAULTS.driftFeatures }),
      deps.events ? deps.events.recentEvents({ range: period.range, limit: input.limit }) : undefined,
    ]);
    const items = (events ?? []).slice(0, input.limit).map(eventOut);
    const result: DriftStatusResult = {
      tool: 'drift_status',
      period: periodOut(period),
      available: status.available,
      scopes: status.scopes.map((s) => ({
        scope: s.scope,
        state: s.state,
        windowEnd: iso(s.windowEnd),
        modelVersion: s.modelVersion,
        topFeatures: s.features.map((f) => ({
          feature: f.feature,
          psi: p3(f.psi),
          meanShift: p3(f.meanShift),
          varianceRatio: f.varianceRatio === null ? null : p3(f.varianceRatio),
          breached: f.breached,
        })),
      })),
      windowsByState: status.windowsByState,
      events: {
        available: deps.events !== undefined,
        items,
        retrainingRecommended: items.filter((e) => e.type === 'ModelRetrainingRecommended').length,
        ...(deps.events ? {} : { reason: deps.eventsUnavailableReason ?? 'no event history is configured' }),
      },
    };
    if (!status.available) {
      result.note = `No drift scores: ${status.unavailableReason ?? 'the store keeps none'}.`;
    } else if (status.scopes.length === 0) {
      result.note = `No drift window was evaluated in this period (${period.name}).`;
    }
    return result;
  }

  const tools = { fleetSummary, topAtRisk, machineHistory, driftStatus };
  const byName: Record<ToolName, (raw: unknown) => Promise<ToolResult>> = {
    fleet_summary: fleetSummary,
    top_at_risk: topAtRisk,
    machine_history: machineHistory,
    drift_status: driftStatus,
  };
  return {
    ...tools,
    run: (name, raw) => {
      const tool = byName[name];
      if (!tool)
        return Promise.reject(new PfmError('INVALID_TOOL_INPUT', `unknown tool "${clip(String(name))}"`));
      return tool(raw);
    },
  };
}
