import { FAILURE_MODES, type FailureMode } from '../../inference/types.js';
import type { ReadingValues, TimeRange } from '../types.js';
import type { SqlDialect } from './sqlDialect.js';

/**
 * The period queries as fixed templates over the columns both stores share (the DuckDB predictions table and
 * the Timestream multi-measure records carry the same names). Only a dialect's checked values are spliced in;
 * identifiers come from the constant maps below, never from a caller.
 */

/** Reading fields and their columns. */
export const READING_COLUMNS = {
  airTemperatureK: 'air_temperature_k',
  processTemperatureK: 'process_temperature_k',
  rotationalSpeedRpm: 'rotational_speed_rpm',
  torqueNm: 'torque_nm',
  toolWearMin: 'tool_wear_min',
} as const satisfies Record<keyof ReadingValues, string>;

const READINGS = Object.values(READING_COLUMNS);
const lower = (m: FailureMode) => m.toLowerCase();

/** True where a row's `|`-joined predicted modes name `mode` (the five names share no substring). */
function hasMode(mode: FailureMode): string {
  return `strpos(coalesce(predicted_modes, ''), '${mode}') > 0`;
}

function inRange(d: SqlDialect, column: string, range: TimeRange): string {
  return `${column} >= ${d.time('from', range.from)} AND ${column} < ${d.time('to', range.to)}`;
}

/** Rows, first and last time of the whole predictions table. */
export function dataSpanSql(d: SqlDialect): string {
  return `SELECT count(*) AS predictions, ${d.epochMs('min(time)')} AS first_time, ${d.epochMs('max(time)')} AS last_time
FROM ${d.predictions} WHERE ${d.predictionsFilter}`;
}

/** One row: the fleet's counts, alarms by mode, mean risk, and mean and spread of the readings over a range. */
export function fleetSummarySql(d: SqlDialect, range: TimeRange): string {
  const alarms = FAILURE_MODES.map(
    (m) => `sum(CASE WHEN ${hasMode(m)} THEN 1 ELSE 0 END) AS alarms_${lower(m)}`,
  );
  const means = READINGS.flatMap((c) => [`avg(${c}) AS mean_${c}`, `stddev_samp(${c}) AS sd_${c}`]);
  return `SELECT count(*) AS predictions, count(DISTINCT device_id) AS devices,
  sum(CASE WHEN failure THEN 1 ELSE 0 END) AS predicted_failures,
  count(DISTINCT CASE WHEN failure THEN device_id END) AS devices_with_failures,
  ${alarms.join(',\n  ')},
  avg(p_any) AS mean_risk, ${d.epochMs('min(time)')} AS first_time, ${d.epochMs('max(time)')} AS last_time,
  ${means.join(', ')}
FROM ${d.predictions} WHERE ${d.predictionsFilter} AND ${inRange(d, 'time', range)}`;
}

/** The model versions that scored a range, most rows first, at most 10. */
export function modelVersionsSql(d: SqlDialect, range: TimeRange): string {
  return `SELECT model_version, count(*) AS n FROM ${d.predictions}
WHERE ${d.predictionsFilter} AND ${inRange(d, 'time', range)}
GROUP BY model_version ORDER BY n DESC, model_version LIMIT 10`;
}

/** Quarantined records in a range by code (optionally of one device), at most 50 codes. */
export function quarantineByCodeSql(d: SqlDialect, range: TimeRange, deviceId?: string): string {
  const device = deviceId === undefined ? '' : ` AND device_id = ${d.id('device', deviceId)}`;
  return `SELECT code, count(*) AS n FROM ${d.quarantine}
WHERE ${d.quarantineFilter} AND ${inRange(d, d.quarantineTime, range)}${device}
GROUP BY code ORDER BY n DESC, code LIMIT 50`;
}

/**
 * Per machine over a range: counts, mean and peak risk, alarms by mode, and — over its last `window` readings
 * in the range — mean risk, mean mode probabilities and mean readings, plus its latest reading. Ranked by the
 * recent risk (or one mode's recent probability), at most `limit` machines.
 */
export function machineRiskSql(
  d: SqlDialect,
  options: { range: TimeRange; window: number; limit: number; mode?: FailureMode; deviceId?: string },
): string {
  const window = d.int('window', options.window);
  const recent = (expr: string) => `avg(CASE WHEN rn <= ${window} THEN ${expr} END)`;
  const latest = (expr: string) => `max(CASE WHEN rn = 1 THEN ${expr} END)`;
  const device = options.deviceId === undefined ? '' : ` AND device_id = ${d.id('device', options.deviceId)}`;
  const columns = [
    'device_id',
    `${latest('quality_type')} AS quality_type`,
    `${latest('firmware')} AS firmware`,
    'count(*) AS readings',
    `${d.epochMs('min(time)')} AS first_seen`,
    `${d.epochMs('max(time)')} AS last_seen`,
    `${recent('p_any')} AS recent_risk`,
    'avg(p_any) AS mean_risk',
    'max(p_any) AS peak_risk',
    'sum(CASE WHEN failure THEN 1 ELSE 0 END) AS predicted_failures',
    ...FAILURE_MODES.map((m) => `sum(CASE WHEN ${hasMode(m)} THEN 1 ELSE 0 END) AS alarms_${lower(m)}`),
    ...FAILURE_MODES.map((m) => `${recent(`p_${lower(m)}`)} AS recent_p_${lower(m)}`),
    ...READINGS.map((c) => `${recent(c)} AS recent_${c}`),
    `${latest('p_any')} AS latest_risk`,
    `${latest("coalesce(predicted_modes, '')")} AS latest_predicted_modes`,
    ...READINGS.map((c) => `${latest(c)} AS latest_${c}`),
  ];
  const rankBy = options.mode === undefined ? 'recent_risk' : `recent_p_${lower(options.mode)}`;
  return `WITH ranked AS (
  SELECT device_id, quality_type, firmware, time, p_any, ${FAILURE_MODES.map((m) => `p_${lower(m)}`).join(', ')},
    failure, predicted_modes, ${READINGS.join(', ')},
    row_number() OVER (PARTITION BY device_id ORDER BY time DESC) AS rn
  FROM ${d.predictions} WHERE ${d.predictionsFilter} AND ${inRange(d, 'time', options.range)}${device}
)
SELECT ${columns.join(',\n  ')}
FROM ranked GROUP BY device_id
ORDER BY ${rankBy} DESC, peak_risk DESC, device_id LIMIT ${d.int('limit', options.limit)}`;
}

/** One machine's predictions in a range, newest first, at most `limit`; only alarms when asked. */
export function predictionRowsSql(
  d: SqlDialect,
  options: { deviceId: string; range: TimeRange; limit: number; alarmsOnly: boolean },
): string {
  return `SELECT ${d.epochMs('time')} AS time, device_id, quality_type, firmware, model_version, reading_sequence,
  ${FAILURE_MODES.map((m) => `p_${lower(m)}`).join(', ')}, p_any, failure, coalesce(predicted_modes, '') AS predicted_modes,
  ${READINGS.join(', ')}
FROM ${d.predictions}
WHERE ${d.predictionsFilter} AND device_id = ${d.id('device', options.deviceId)} AND ${inRange(d, 'time', options.range)}${options.alarmsOnly ? ' AND failure' : ''}
ORDER BY time DESC LIMIT ${d.int('limit', options.limit)}`;
}
