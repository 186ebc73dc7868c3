import { DRIFT_STATES, type DriftScoreRow, type DriftState } from '../../drift/types.js';
import type { DriftScopeStatus, DriftStatus, TimeRange } from '../types.js';
import type { Row } from './rows.js';
import type { SqlDialect } from './sqlDialect.js';

/**
 * Drift queries: the DuckDB `drift_scores` table and the Timestream drift table (processors/sinks/constants.ts
 * DRIFT_SERIES, written by TimestreamDriftScoreSink) both keep every scope, window and statistic.
 * Both queries answer with the same column names, so one mapping serves both.
 */

/** DuckDB: whether the store has a drift table at all (stores made before the drift monitor have none). */
export const DUCKDB_DRIFT_TABLE_EXISTS_SQL =
  "SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'drift_scores'";

/** DuckDB: the columns of `drift_scores` as {@link toDriftScoreRow} reads them back (times as epoch milliseconds). */
export const DUCKDB_DRIFT_SCORE_SELECT = `epoch_ms(time) AS time, scope, feature, epoch_ms(window_start) AS window_start,
  epoch_ms(window_end) AS window_end, n, mean_shift, variance_ratio, psi, cusum, state, breached, model_version`;

/** DuckDB: one `drift_scores` row selected with {@link DUCKDB_DRIFT_SCORE_SELECT}, as the drift monitor wrote it. */
export function toDriftScoreRow(r: Row): DriftScoreRow {
  return {
    time: Number(r.time),
    scope: String(r.scope) as DriftScoreRow['scope'],
    feature: String(r.feature),
    windowStart: Number(r.window_start),
    windowEnd: Number(r.window_end),
    n: Number(r.n),
    meanShift: Number(r.mean_shift),
    varianceRatio: Number(r.variance_ratio),
    psi: Number(r.psi),
    cusum: Number(r.cusum),
    state: String(r.state) as DriftScoreRow['state'],
    breached: r.breached === true,
    modelVersion: String(r.model_version),
  };
}

/** DuckDB: each scope's latest window in the range, its top `features` features by PSI. */
export function duckDbDriftLatestSql(d: SqlDialect, range: TimeRange, features: number): string {
  return `WITH latest AS (
  SELECT scope, max(time) AS time FROM drift_scores
  WHERE time >= ${d.time('from', range.from)} AND time < ${d.time('to', range.to)} GROUP BY scope
), ranked AS (
  SELECT s.scope, s.state, epoch_ms(s.window_end) AS window_end, s.model_version, s.feature, s.psi, s.mean_shift,
    s.variance_ratio, s.cusum, s.breached,
    row_number() OVER (PARTITION BY s.scope ORDER BY s.psi DESC, s.feature) AS rank
  FROM drift_scores s JOIN latest l ON s.scope = l.scope AND s.time = l.time
)
SELECT * FROM ranked WHERE rank <= ${d.int('features', features)} ORDER BY scope, rank`;
}

/** DuckDB: evaluated windows in the range by the state they left their scope in. */
export function duckDbDriftStatesSql(d: SqlDialect, range: TimeRange): string {
  return `SELECT state, count(*) AS n FROM (
  SELECT DISTINCT scope, window_start, window_end, state FROM drift_scores
  WHERE time >= ${d.time('from', range.from)} AND time < ${d.time('to', range.to)}
) GROUP BY state`;
}

/** Timestream: each scope's latest drift window in the range, its top `features` features by PSI. */
export function timestreamDriftLatestSql(
  d: SqlDialect,
  table: string,
  measureFilter: string,
  range: TimeRange,
  features: number,
): string {
  const where = `${measureFilter} AND time >= ${d.time('from', range.from)} AND time < ${d.time('to', range.to)}`;
  return `WITH latest AS (
  SELECT scope, max(time) AS time FROM ${table} WHERE ${where} GROUP BY scope
), ranked AS (
  SELECT s.scope, upper(s.state) AS state, to_milliseconds(s.time) AS window_end, s.model_version, s.feature, s.psi,
    s.mean_shift, s.variance_ratio, s.cusum, s.breached,
    row_number() OVER (PARTITION BY s.scope ORDER BY s.psi DESC, s.feature) AS rank
  FROM ${table} s JOIN latest l ON s.scope = l.scope AND s.time = l.time
  WHERE ${measureFilter}
)
SELECT * FROM ranked WHERE rank <= ${d.int('features', features)} ORDER BY scope, rank`;
}

/** Timestream: evaluated windows in the range by the state they left their scope in. */
export function timestreamDriftStatesSql(
  d: SqlDialect,
  table: string,
  measureFilter: string,
  range: TimeRange,
): string {
  return `SELECT state, count(*) AS n FROM (
  SELECT DISTINCT scope, time, upper(state) AS state FROM ${table}
  WHERE ${measureFilter} AND time >= ${d.time('from', range.from)} AND time < ${d.time('to', range.to)}
) GROUP BY state`;
}

const SCOPE_ORDER = ['fleet', 'quality:L', 'quality:M', 'quality:H'];

function state(v: unknown): DriftState {
  const s = String(v).toUpperCase();
  return (DRIFT_STATES as readonly string[]).includes(s) ? (s as DriftState) : 'OK';
}

function optionalNumber(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/** Drift rows (latest windows) and state counts as a DriftStatus. */
export function toDriftStatus(latest: readonly Row[], states: readonly Row[]): DriftStatus {
  const scopes = new Map<string, DriftScopeStatus>();
  for (const r of latest) {
    const scope = String(r.scope);
    let s = scopes.get(scope);
    if (!s) {
      s = {
        scope,
        state: state(r.state),
        windowEnd: Number(r.window_end),
        modelVersion: String(r.model_version),
        features: [],
      };
      scopes.set(scope, s);
    }
    s.features.push({
      feature: String(r.feature),
      psi: Number(r.psi),
      meanShift: Number(r.mean_shift),
      varianceRatio: optionalNumber(r.variance_ratio),
      cusum: optionalNumber(r.cusum),
      breached:
        r.breached === undefined || r.breached === null ? null : r.breached === true || r.breached === 'true',
    });
  }
  const windowsByState = Object.fromEntries(DRIFT_STATES.map((s) => [s, 0])) as Record<DriftState, number>;
  for (const r of states) windowsByState[state(r.state)] += Number(r.n) || 0;
  const rank = (scope: string) => {
    const i = SCOPE_ORDER.indexOf(scope);
    return i < 0 ? SCOPE_ORDER.length : i;
  };
  return {
    available: true,
    scopes: [...scopes.values()].sort(
      (a, b) => rank(a.scope) - rank(b.scope) || a.scope.localeCompare(b.scope),
    ),
    windowsByState,
  };
}

/** The DriftStatus of a store whose drift table cannot be read, saying why. */
export function driftUnavailable(reason: string): DriftStatus {
  return {
    available: false,
    unavailableReason: reason,
    scopes: [],
    windowsByState: { OK: 0, WARN: 0, DRIFT: 0 },
  };
}
