import { powerW } from '../../../model/physics.js';
import { FAILURE_MODES, type FailureMode } from '../../inference/types.js';
import type {
  DataSpan,
  FleetPeriodSummary,
  MachinePeriodRisk,
  PeriodQueries,
  ReadingValues,
} from '../../store/types.js';
import { explainRisk, type FleetBaseline, leadingMode } from '../drivers.js';
import type { ResolvedPeriod } from '../periods.js';
import type { MachineRiskOut, PeriodOut, ReadingsOut, StoreSpanOut } from '../types.js';

// What the tools share when they shape store rows into their compact JSON: the model reads every digit, so
// numbers are rounded and times are ISO strings.

/** `x` rounded to `digits` decimals; non-finite values pass through. */
export function round(x: number, digits: number): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Three decimals: how probabilities and drift statistics are reported. */
export const p3 = (x: number): number => round(x, 3);

/** Epoch ms as an ISO-8601 UTC string. */
export const iso = (ms: number): string => new Date(ms).toISOString();

/** Epoch ms as an ISO-8601 UTC string, or null for a time the store does not have. */
export const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

/** A resolved period with its bounds as ISO strings. */
export function periodOut(p: ResolvedPeriod): PeriodOut {
  return { name: p.name, from: iso(p.range.from), to: iso(p.range.to) };
}

/** Readings rounded to the precision their sensors have. */
export function readingsOut(r: ReadingValues): ReadingsOut {
  return {
    airTemperatureK: round(r.airTemperatureK, 1),
    processTemperatureK: round(r.processTemperatureK, 1),
    rotationalSpeedRpm: round(r.rotationalSpeedRpm, 0),
    torqueNm: round(r.torqueNm, 1),
    toolWearMin: round(r.toolWearMin, 0),
  };
}

/** A value per failure mode, rounded. */
export function byMode(values: Record<FailureMode, number>, digits: number): Record<FailureMode, number> {
  return Object.fromEntries(FAILURE_MODES.map((m) => [m, round(values[m], digits)])) as Record<
    FailureMode,
    number
  >;
}

/** The fleet's reading means and spreads over the period, which a machine's drivers are measured against. */
export function fleetBaseline(summary: FleetPeriodSummary): FleetBaseline | null {
  return summary.readingMeans && summary.readingSds
    ? { means: summary.readingMeans, sds: summary.readingSds }
    : null;
}

/** One machine's risk, its latest reading and the drivers that explain it. */
export function machineOut(m: MachinePeriodRisk, fleet: FleetBaseline | null): MachineRiskOut {
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

/**
 * What a tool adds when its period holds nothing to report: what the store holds overall, and a note that
 * tells the model whether the pipeline never ran or the period simply missed the data.
 */
export async function describeEmptyPeriod(
  queries: PeriodQueries,
  what: string,
  period: ResolvedPeriod,
): Promise<{ store: StoreSpanOut; note: string }> {
  const span = await queries.dataSpan();
  return { store: spanOut(span), note: emptyNote(span, what, period) };
}

function spanOut(span: DataSpan): StoreSpanOut {
  return { predictions: span.predictions, first: isoOrNull(span.first), last: isoOrNull(span.last) };
}

function emptyNote(span: DataSpan, what: string, period: ResolvedPeriod): string {
  if (span.predictions === 0) return 'The store holds no predictions yet: has the pipeline run?';
  return `No ${what} in ${period.name} (${iso(period.range.from)} to ${iso(period.range.to)}); the store holds ${span.predictions} predictions from ${isoOrNull(span.first)} to ${isoOrNull(span.last)}.`;
}
