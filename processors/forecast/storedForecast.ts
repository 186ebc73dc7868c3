import type { ForecastDimension, ForecastMeasure } from '../sinks/constants.js';
import type { PointValue, SeriesPoint } from '../sinks/seriesPoints.js';
import type { Row } from '../store/queries/rows.js';
import { DEFAULT_FORECAST_SETTINGS } from './constants.js';
import { probabilityBy } from './riskCurve.js';
import {
  ACTION_KINDS,
  type ActionKind,
  type FleetForecast,
  type ForecastSettings,
  type MachineForecast,
  type MachineWithoutForecast,
  type ModeNote,
} from './types.js';
import { actionDescription, modeNote } from './wording.js';

// A forecast run as rows of FORECAST_SERIES (one per machine, at the run's time) and back. What comes back exactly:
// every machine's status, due time, notice probability, leading mode, per-mode and any-mode probability at the
// horizon's end (times truncated to the millisecond, as a Date holds them), expected time to failure, what it learned (readings, pace, wear rate, tool wear, replacements,
// temperature levels), the recommended action with its figures, the run's settings that shape the answer, the
// model and the mode notes. What is approximated: the risk curve is its points at 30 min, 1 h, 2 h, 4 h, 8 h and
// the horizon (not every step); `horizons` holds the horizon's end only; `actions` holds the recommended action
// only; the temperature walks keep their levels (their spreads and drifts read NaN).

const MIN = 60_000;
const HOUR = 60 * MIN;
/** The stored points of the risk curve (the default report horizons). */
export const STORED_CURVE: readonly [ForecastMeasure, number][] = [
  ['p_30m', 30 * MIN],
  ['p_1h', HOUR],
  ['p_2h', 2 * HOUR],
  ['p_4h', 4 * HOUR],
  ['p_8h', 8 * HOUR],
];
const MODE_FIELDS: Record<string, ForecastMeasure> = {
  TWF: 'p_twf',
  HDF: 'p_hdf',
  PWF: 'p_pwf',
  OSF: 'p_osf',
  RNF: 'p_rnf',
};

/** `MODE:forecastable 0|1:ahead AUC;...` (short enough for a Timestream VARCHAR measure). */
function encodeModeNotes(modes: readonly ModeNote[]): string {
  return modes
    .map(
      (n) =>
        `${n.mode}:${n.forecastable ? 1 : 0}:${Number.isFinite(n.aheadAuc) ? n.aheadAuc.toFixed(3) : 'nan'}`,
    )
    .join(';');
}

function decodeModeNotes(text: string, aheadProcesses: number): ModeNote[] {
  return text
    .split(';')
    .filter((part) => part.length > 0)
    .map((part) => {
      const [mode = '', flag, auc] = part.split(':');
      return modeNote(mode, flag === '1', auc === 'nan' ? Number.NaN : Number(auc), aheadProcesses);
    });
}

const finite = (x: number): number | undefined => (Number.isFinite(x) ? x : undefined);

/** The run's rows: one point per machine at the run's time. Non-finite values and nulls are left out. */
export function forecastPoints(forecast: FleetForecast, aheadProcesses: number): SeriesPoint[] {
  const s = forecast.settings;
  const run: Partial<Record<ForecastMeasure, PointValue | undefined>> = {
    horizon_ms: s.horizonMs,
    step_ms: s.stepMs,
    notice_ms: s.noticeMs,
    due_level: s.dueLevel,
    release_level: s.releaseLevel,
    load_reduction: s.loadReduction,
    paths: s.paths,
    draws_per_path: s.drawsPerPath,
    rows_scored: forecast.rowsScored,
    mode_notes: encodeModeNotes(forecast.modes),
    ahead_processes: aheadProcesses,
    model_name: forecast.model.name,
    model_version: forecast.model.version,
  };
  return forecast.machines.map((m) => {
    const dimensions: Record<ForecastDimension, string | undefined> = {
      device_id: m.deviceId,
      quality_type: m.status === 'ok' ? m.qualityType : undefined,
    };
    if (m.status !== 'ok') {
      return {
        time: forecast.generatedAt,
        dimensions,
        measures: { ...run, status: m.status, readings: m.readings, reason: m.reason },
      };
    }
    const end = m.horizons.at(-1);
    const r = m.recommendation;
    const measures: Partial<Record<ForecastMeasure, PointValue | undefined>> = {
      ...run,
      status: 'ok',
      readings: m.learned.readings,
      as_of: Math.trunc(m.asOf),
      due_at: m.dueAt === null ? undefined : Math.trunc(m.dueAt),
      notice_probability: m.noticeProbability,
      leading_mode: m.leadingMode ?? undefined,
      p_horizon: end?.forecastable,
      p_any_horizon: end === undefined ? undefined : finite(end.any),
      expected_ttf_min: m.expectedTimeToFailureMs / MIN,
      beyond_horizon: m.beyondHorizon,
      tool_wear_min: m.learned.toolWearMin,
      wear_per_hour: finite(m.learned.wearPerHour),
      pace_ms: Math.round(m.learned.paceMs),
      tool_replacements_seen: m.learned.toolReplacementsSeen,
      tool_life_from: m.learned.toolLifeFrom,
      air_level_k: finite(m.learned.air.level),
      delta_level_k: finite(m.learned.delta.level),
      recommended_action: r?.action,
      recommended_notice_probability: r?.noticeProbability,
      recommended_probability: r?.probability,
      recommended_due_at: r?.dueAt == null ? undefined : Math.trunc(r.dueAt),
      recommended_ttf_min: r === null ? undefined : r.expectedTimeToFailureMs / MIN,
    };
    for (const [field, horizon] of STORED_CURVE) {
      if (horizon <= s.horizonMs) measures[field] = probabilityBy(m, m.asOf + horizon);
    }
    for (const [mode, field] of Object.entries(MODE_FIELDS)) {
      const p = end?.byMode[mode];
      if (p !== undefined) measures[field] = finite(p);
    }
    return { time: forecast.generatedAt, dimensions, measures };
  });
}

function num(row: Row, field: string): number | undefined {
  const v = row[field];
  if (v === null || v === undefined || v === '') return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : undefined;
}

function text(row: Row, field: string): string | undefined {
  const v = row[field];
  return v === null || v === undefined || v === '' ? undefined : String(v);
}

/**
 * One run's rows (each with `time` in epoch ms, `device_id`, `quality_type` and the fields) back into a fleet
 * forecast: machines with a forecast by due time, then the ones without, as the core orders them.
 */
export function forecastFromRows(rows: readonly Row[]): FleetForecast | null {
  const first = rows[0];
  if (first === undefined) return null;
  const generatedAt = num(first, 'time') ?? 0;
  const horizonMs = num(first, 'horizon_ms') ?? DEFAULT_FORECAST_SETTINGS.horizonMs;
  const settings: ForecastSettings = {
    ...DEFAULT_FORECAST_SETTINGS,
    horizonMs,
    stepMs: num(first, 'step_ms') ?? DEFAULT_FORECAST_SETTINGS.stepMs,
    noticeMs: num(first, 'notice_ms') ?? DEFAULT_FORECAST_SETTINGS.noticeMs,
    dueLevel: num(first, 'due_level') ?? DEFAULT_FORECAST_SETTINGS.dueLevel,
    releaseLevel: num(first, 'release_level') ?? DEFAULT_FORECAST_SETTINGS.releaseLevel,
    loadReduction: num(first, 'load_reduction') ?? DEFAULT_FORECAST_SETTINGS.loadReduction,
    paths: num(first, 'paths') ?? DEFAULT_FORECAST_SETTINGS.paths,
    drawsPerPath: num(first, 'draws_per_path') ?? DEFAULT_FORECAST_SETTINGS.drawsPerPath,
    reportHorizonsMs: [
      ...new Set([...STORED_CURVE.map(([, h]) => h).filter((h) => h < horizonMs), horizonMs]),
    ],
  };
  const aheadProcesses = num(first, 'ahead_processes') ?? 0;
  const machines = rows.map((row) => machineFromRow(row, settings));
  const ok = machines
    .filter((m): m is MachineForecast => m.status === 'ok')
    .sort(
      (a, b) =>
        (a.dueAt ?? Number.POSITIVE_INFINITY) - (b.dueAt ?? Number.POSITIVE_INFINITY) ||
        a.deviceId.localeCompare(b.deviceId),
    );
  const without = machines
    .filter((m): m is MachineWithoutForecast => m.status !== 'ok')
    .sort((a, b) => a.deviceId.localeCompare(b.deviceId));
  return {
    generatedAt,
    model: { name: text(first, 'model_name') ?? '', version: text(first, 'model_version') ?? '' },
    settings,
    modes: decodeModeNotes(text(first, 'mode_notes') ?? '', aheadProcesses),
    machines: [...ok, ...without],
    rowsScored: num(first, 'rows_scored') ?? 0,
    scorerRuns: 0,
  };
}

function machineFromRow(row: Row, settings: ForecastSettings): MachineForecast | MachineWithoutForecast {
  const deviceId = String(row.device_id);
  const readings = num(row, 'readings') ?? 0;
  if (text(row, 'status') !== 'ok') {
    return {
      deviceId,
      status: 'not_enough_data',
      readings,
      reason: text(row, 'reason') ?? 'not enough data',
    };
  }
  const asOf = num(row, 'as_of') ?? 0;
  const curve = STORED_CURVE.filter(([, h]) => h < settings.horizonMs)
    .map(([field, h]) => ({ time: asOf + h, probability: num(row, field) }))
    .filter((p): p is { time: number; probability: number } => p.probability !== undefined);
  const atHorizon = num(row, 'p_horizon') ?? Number.NaN;
  curve.push({ time: asOf + settings.horizonMs, probability: atHorizon });
  const byMode: Record<string, number> = {};
  for (const [mode, field] of Object.entries(MODE_FIELDS)) {
    const p = num(row, field);
    if (p !== undefined) byMode[mode] = p;
  }
  const action = text(row, 'recommended_action');
  const recommendation =
    action !== undefined && (ACTION_KINDS as readonly string[]).includes(action)
      ? {
          action: action as ActionKind,
          description: actionDescription(action as ActionKind, settings),
          noticeProbability: num(row, 'recommended_notice_probability') ?? Number.NaN,
          probability: num(row, 'recommended_probability') ?? Number.NaN,
          dueAt: num(row, 'recommended_due_at') ?? null,
          expectedTimeToFailureMs: (num(row, 'recommended_ttf_min') ?? Number.NaN) * MIN,
        }
      : null;
  const walk = (level: number | undefined) => ({
    level: level ?? Number.NaN,
    sdPerHour: Number.NaN,
    driftPerHour: Number.NaN,
    noiseSd: Number.NaN,
  });
  const lifeFrom = text(row, 'tool_life_from');
  return {
    deviceId,
    status: 'ok',
    qualityType: String(row.quality_type) as MachineForecast['qualityType'],
    asOf,
    dueAt: num(row, 'due_at') ?? null,
    noticeProbability: num(row, 'notice_probability') ?? Number.NaN,
    leadingMode: text(row, 'leading_mode') ?? null,
    horizons: [
      {
        horizonMs: settings.horizonMs,
        forecastable: atHorizon,
        any: num(row, 'p_any_horizon') ?? Number.NaN,
        byMode,
      },
    ],
    curve,
    expectedTimeToFailureMs: (num(row, 'expected_ttf_min') ?? Number.NaN) * MIN,
    beyondHorizon: num(row, 'beyond_horizon') ?? Number.NaN,
    recommendation,
    actions: recommendation === null ? [] : [recommendation],
    learned: {
      readings,
      paceMs: num(row, 'pace_ms') ?? Number.NaN,
      wearPerHour: num(row, 'wear_per_hour') ?? Number.NaN,
      toolWearMin: num(row, 'tool_wear_min') ?? Number.NaN,
      toolReplacementsSeen: num(row, 'tool_replacements_seen') ?? 0,
      toolLifeFrom: lifeFrom === 'machine' || lifeFrom === 'fleet' ? lifeFrom : 'none',
      air: walk(num(row, 'air_level_k')),
      delta: walk(num(row, 'delta_level_k')),
    },
  };
}
