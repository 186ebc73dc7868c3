import { FAILURE_MODES, type FailureMode } from '../../inference/types.js';
import type {
  DataSpan,
  FleetPeriodSummary,
  MachinePeriodRisk,
  PredictionRecord,
  ReadingValues,
} from '../types.js';
import { READING_COLUMNS } from './periodSql.js';

/** A result row as either store returns it: numbers may arrive as strings (BIGINT), absent values as null. */
export type Row = Record<string, unknown>;

const lower = (m: FailureMode) => m.toLowerCase();

function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' && v.trim() !== '') return Number(v);
  return Number.NaN;
}

function count(v: unknown): number {
  const n = num(v);
  return Number.isFinite(n) ? n : 0;
}

function nullable(v: unknown): number | null {
  const n = num(v);
  return v === null || v === undefined || !Number.isFinite(n) ? null : n;
}

function bool(v: unknown): boolean {
  return v === true || v === 'true' || v === 1;
}

/** The modes of a `|`-joined column, keeping only known names. */
export function parseModes(v: unknown): FailureMode[] {
  if (typeof v !== 'string' || v === '') return [];
  return v.split('|').filter((m): m is FailureMode => (FAILURE_MODES as readonly string[]).includes(m));
}

function readings(row: Row, prefix: string): ReadingValues {
  const out = {} as ReadingValues;
  for (const [field, column] of Object.entries(READING_COLUMNS) as [keyof ReadingValues, string][]) {
    out[field] = num(row[`${prefix}${column}`]);
  }
  return out;
}

function byMode(row: Row, prefix: string, read: (v: unknown) => number): Record<FailureMode, number> {
  return Object.fromEntries(FAILURE_MODES.map((m) => [m, read(row[`${prefix}${lower(m)}`])])) as Record<
    FailureMode,
    number
  >;
}

/** The row of dataSpanSql. */
export function toDataSpan(row: Row | undefined): DataSpan {
  return {
    predictions: count(row?.predictions),
    first: nullable(row?.first_time),
    last: nullable(row?.last_time),
  };
}

/** Counts per code from quarantineByCodeSql. */
export function toCodeCounts(rows: readonly Row[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) out[String(r.code)] = count(r.n);
  return out;
}

/** The row of fleetSummarySql with the model versions and quarantine counts of the same range. */
export function toFleetSummary(
  row: Row | undefined,
  versions: readonly Row[],
  quarantinedByCode: Record<string, number>,
): FleetPeriodSummary {
  const predictions = count(row?.predictions);
  return {
    predictions,
    devices: count(row?.devices),
    predictedFailures: count(row?.predicted_failures),
    devicesWithFailures: count(row?.devices_with_failures),
    predictedByMode: byMode(row ?? {}, 'alarms_', count),
    meanRisk: predictions > 0 ? nullable(row?.mean_risk) : null,
    first: predictions > 0 ? nullable(row?.first_time) : null,
    last: predictions > 0 ? nullable(row?.last_time) : null,
    readingMeans: predictions > 0 && row ? readings(row, 'mean_') : null,
    readingSds: predictions > 1 && row ? readings(row, 'sd_') : null,
    modelVersions: versions.map((v) => String(v.model_version)),
    quarantined: Object.values(quarantinedByCode).reduce((a, b) => a + b, 0),
    quarantinedByCode,
  };
}

/** A row of machineRiskSql. */
export function toMachineRisk(row: Row): MachinePeriodRisk {
  return {
    deviceId: String(row.device_id),
    qualityType: String(row.quality_type),
    firmware: String(row.firmware),
    readings: count(row.readings),
    firstSeen: num(row.first_seen),
    lastSeen: num(row.last_seen),
    recentRisk: num(row.recent_risk),
    meanRisk: num(row.mean_risk),
    peakRisk: num(row.peak_risk),
    predictedFailures: count(row.predicted_failures),
    predictedByMode: byMode(row, 'alarms_', count),
    recentModeRisk: byMode(row, 'recent_p_', num),
    recentMeans: readings(row, 'recent_'),
    latest: {
      ...readings(row, 'latest_'),
      time: num(row.last_seen),
      risk: num(row.latest_risk),
      predictedModes: parseModes(row.latest_predicted_modes),
    },
  };
}

/** A row of predictionRowsSql. */
export function toPredictionRecord(row: Row): PredictionRecord {
  return {
    time: num(row.time),
    deviceId: String(row.device_id),
    qualityType: String(row.quality_type),
    firmware: String(row.firmware),
    modelVersion: String(row.model_version),
    readingSequence: num(row.reading_sequence),
    probabilities: byMode(row, 'p_', num),
    risk: num(row.p_any),
    failure: bool(row.failure),
    predictedModes: parseModes(row.predicted_modes),
    readings: readings(row, ''),
  };
}
