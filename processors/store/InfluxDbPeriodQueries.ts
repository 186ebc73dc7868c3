import { DRIFT_STATES, type DriftState } from '../drift/types.js';
import { FAILURE_MODES, type FailureMode } from '../inference/types.js';
import { DRIFT_SERIES, PREDICTION_SERIES, QUARANTINE_SERIES } from '../sinks/constants.js';
import type { InfluxQlClient, InfluxQlParams } from './InfluxQlClient.js';
import { driftUnavailable, toDriftStatus } from './queries/driftSql.js';
import { assertRange, checkDriftStatus, checkMachineHistory, checkRiskRanking } from './queries/inputs.js';
import { READING_COLUMNS } from './queries/periodSql.js';
import {
  type Row,
  toCodeCounts,
  toDataSpan,
  toFleetSummary,
  toMachineRisk,
  toPredictionRecord,
} from './queries/rows.js';
import type {
  DataSpan,
  DriftStatus,
  FleetPeriodSummary,
  MachineHistory,
  MachinePeriodRisk,
  PeriodQueries,
  TimeRange,
} from './types.js';

/**
 * The InfluxQL templates. Measurement and field names are the sinks' constants, never a caller's; every value a
 * caller supplies (range ends, device id, window, limit) is bound through `params` after the same checks the
 * other stores make. InfluxQL has no joins, window functions or DISTINCT over tags, so each answer is several
 * statements in one request (per-device aggregates, filtered counts, a subquery for the last `window` points)
 * assembled here with the same row names the SQL stores return, and mapped by the same functions.
 */
const P = `"${PREDICTION_SERIES.influxMeasurement}"`;
const Q = `"${QUARANTINE_SERIES.influxMeasurement}"`;
const D = `"${DRIFT_SERIES.influxMeasurement}"`;
const RANGE = 'time >= $from AND time < $to';
const DEVICE = ' AND "device_id" = $device';
const lower = (m: FailureMode) => m.toLowerCase();
const READINGS = Object.values(READING_COLUMNS);
const MODE_FIELDS = FAILURE_MODES.map((m) => `p_${lower(m)}`);
/** Mode names are constants that share no substring, so a regex on the `|`-joined field is exact. */
const hasMode = (m: FailureMode) => `"predicted_modes" =~ /${m}/`;
/** Distinct model versions counted per range (the answer keeps the 10 with most predictions). */
const MAX_MODEL_VERSIONS = 50;

function rangeParams(range: TimeRange, extra: InfluxQlParams = {}): InfluxQlParams {
  return { from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString(), ...extra };
}

function num(v: unknown): number {
  return typeof v === 'number' ? v : Number(v);
}

/** Sum of a column over rows. */
function total(rows: readonly Row[], column: string): number {
  return rows.reduce((sum, r) => sum + (Number.isFinite(num(r[column])) ? num(r[column]) : 0), 0);
}

/** Counts per device_id of a `count(...) AS n ... GROUP BY device_id` statement. */
function perDevice(rows: readonly Row[]): Map<string, number> {
  return new Map(rows.map((r) => [String(r.device_id), num(r.n)]));
}

/**
 * Means and sample standard deviations of the whole range from per-device count, mean and sd: the pooled
 * variance ((sum of (n-1)s^2) + (sum of n(m-M)^2)) / (N-1) equals stddev_samp over all rows.
 */
function pooled(rows: readonly Row[], column: string): { mean: number | null; sd: number | null } {
  const groups = rows
    .map((r) => ({ n: num(r.n), m: num(r[`mean_${column}`]), s: r[`sd_${column}`] }))
    .filter((g) => g.n > 0 && Number.isFinite(g.m));
  const n = groups.reduce((a, g) => a + g.n, 0);
  if (n === 0) return { mean: null, sd: null };
  const mean = groups.reduce((a, g) => a + g.n * g.m, 0) / n;
  if (n < 2) return { mean, sd: null };
  const within = groups.reduce((a, g) => a + (g.n - 1) * (g.s === null ? 0 : num(g.s)) ** 2, 0);
  const between = groups.reduce((a, g) => a + g.n * (g.m - mean) ** 2, 0);
  return { mean, sd: Math.sqrt((within + between) / (n - 1)) };
}

/** PeriodQueries on InfluxDB (1.x, or 2.x / Timestream for InfluxDB through its DBRP mapping), reading what InfluxDbSink writes. */
export class InfluxDbPeriodQueries implements PeriodQueries {
  constructor(private readonly client: InfluxQlClient) {}

  async dataSpan(): Promise<DataSpan> {
    const [count, first, last] = await this.client.rows([
      `SELECT count("p_any") AS predictions FROM ${P}`,
      `SELECT first("p_any") FROM ${P}`,
      `SELECT last("p_any") FROM ${P}`,
    ]);
    return toDataSpan({
      predictions: count?.[0]?.predictions ?? 0,
      first_time: first?.[0]?.time ?? null,
      last_time: last?.[0]?.time ?? null,
    });
  }

  async fleetSummary(range: TimeRange): Promise<FleetPeriodSummary> {
    assertRange(range);
    const stats = READINGS.flatMap((c) => [`mean("${c}") AS mean_${c}`, `stddev("${c}") AS sd_${c}`]);
    const results = await this.client.rows(
      [
        `SELECT count("p_any") AS n, mean("p_any") AS mean_p_any, ${stats.join(', ')} FROM ${P} WHERE ${RANGE} GROUP BY "device_id"`,
        `SELECT count("p_any") AS n FROM ${P} WHERE ${RANGE} AND "failure" = true GROUP BY "device_id"`,
        `SELECT first("p_any") FROM ${P} WHERE ${RANGE}`,
        `SELECT last("p_any") FROM ${P} WHERE ${RANGE}`,
        `SELECT count("reason") AS n FROM ${Q} WHERE ${RANGE} GROUP BY "code"`,
        `SELECT distinct("model_version") AS model_version FROM ${P} WHERE ${RANGE}`,
        ...FAILURE_MODES.map((m) => `SELECT count("p_any") AS n FROM ${P} WHERE ${RANGE} AND ${hasMode(m)}`),
      ],
      rangeParams(range),
    );
    const [devices = [], failures = [], first = [], last = [], quarantine = [], versions = []] = results;
    const modeCounts = results.slice(6);
    const predictions = total(devices, 'n');
    const row: Row = {
      predictions,
      devices: devices.filter((r) => num(r.n) > 0).length,
      predicted_failures: total(failures, 'n'),
      devices_with_failures: failures.filter((r) => num(r.n) > 0).length,
      mean_risk: pooled(devices, 'p_any').mean,
      first_time: first[0]?.time ?? null,
      last_time: last[0]?.time ?? null,
    };
    FAILURE_MODES.forEach((m, i) => {
      row[`alarms_${lower(m)}`] = total(modeCounts[i] ?? [], 'n');
    });
    for (const c of READINGS) {
      const { mean, sd } = pooled(devices, c);
      row[`mean_${c}`] = mean;
      row[`sd_${c}`] = sd;
    }
    const modelVersions = await this.modelVersions(
      range,
      versions.map((v) => String(v.model_version)),
    );
    return toFleetSummary(row, modelVersions, toCodeCounts(quarantine));
  }

  /** The model versions of a range with their prediction counts, most first (as the SQL stores order them). */
  private async modelVersions(range: TimeRange, versions: readonly string[]): Promise<Row[]> {
    const distinct = [...new Set(versions)].sort().slice(0, MAX_MODEL_VERSIONS);
    if (distinct.length === 0) return [];
    const params = rangeParams(range);
    distinct.forEach((v, i) => {
      params[`v${i}`] = v;
    });
    const counts = await this.client.rows(
      distinct.map(
        (_, i) => `SELECT count("p_any") AS n FROM ${P} WHERE ${RANGE} AND "model_version" = $v${i}`,
      ),
      params,
    );
    return distinct
      .map((v, i) => ({ model_version: v, n: total(counts[i] ?? [], 'n') }))
      .sort((a, b) => b.n - a.n || (a.model_version < b.model_version ? -1 : 1))
      .slice(0, 10);
  }

  async riskRanking(options: {
    range: TimeRange;
    limit: number;
    window: number;
    mode?: FailureMode;
  }): Promise<MachinePeriodRisk[]> {
    const { range, limit, window, mode } = checkRiskRanking(options);
    const rows = await this.machineRows(range, window);
    const rankBy = mode === undefined ? 'recent_risk' : `recent_p_${lower(mode)}`;
    return rows
      .sort(
        (a, b) =>
          num(b[rankBy]) - num(a[rankBy]) ||
          num(b.peak_risk) - num(a.peak_risk) ||
          (String(a.device_id) < String(b.device_id) ? -1 : 1),
      )
      .slice(0, limit)
      .map(toMachineRisk);
  }

  /**
   * Per machine over a range (optionally one machine): the rows machineRiskSql gives the SQL stores, built from
   * per-device aggregates, filtered counts, a subquery over each machine's last `window` points, and its latest.
   */
  private async machineRows(range: TimeRange, window: number, deviceId?: string): Promise<Row[]> {
    const device = deviceId === undefined ? '' : DEVICE;
    const where = `${RANGE}${device}`;
    const fields = ['p_any', ...MODE_FIELDS, ...READINGS].map((f) => `"${f}"`).join(', ');
    const recent = ['p_any', ...MODE_FIELDS, ...READINGS]
      .map((f) => `mean("${f}") AS ${f === 'p_any' ? 'recent_risk' : `recent_${f}`}`)
      .join(', ');
    const latest = ['p_any', 'predicted_modes', 'quality_type', 'firmware', ...READINGS]
      .map((f) => `"${f}"`)
      .join(', ');
    const results = await this.client.rows(
      [
        `SELECT count("p_any") AS readings, mean("p_any") AS mean_risk, max("p_any") AS peak_risk FROM ${P} WHERE ${where} GROUP BY "device_id"`,
        `SELECT first("p_any") FROM ${P} WHERE ${where} GROUP BY "device_id"`,
        `SELECT ${latest} FROM ${P} WHERE ${where} GROUP BY "device_id" ORDER BY time DESC LIMIT 1`,
        // InfluxQL: a subquery and its outer query must be ordered the same way.
        `SELECT ${recent} FROM (SELECT ${fields} FROM ${P} WHERE ${where} GROUP BY "device_id" ORDER BY time DESC LIMIT $window) GROUP BY "device_id" ORDER BY time DESC`,
        `SELECT count("p_any") AS n FROM ${P} WHERE ${where} AND "failure" = true GROUP BY "device_id"`,
        ...FAILURE_MODES.map(
          (m) => `SELECT count("p_any") AS n FROM ${P} WHERE ${where} AND ${hasMode(m)} GROUP BY "device_id"`,
        ),
      ],
      rangeParams(range, { window, ...(deviceId === undefined ? {} : { device: deviceId }) }),
    );
    const [aggregates = [], firsts = [], latests = [], recents = [], failures = []] = results;
    const firstSeen = new Map(firsts.map((r) => [String(r.device_id), r.time]));
    const latestOf = new Map(latests.map((r) => [String(r.device_id), r]));
    const recentOf = new Map(recents.map((r) => [String(r.device_id), r]));
    const failuresOf = perDevice(failures);
    const modeCounts = results.slice(5).map(perDevice);
    return aggregates
      .filter((a) => num(a.readings) > 0)
      .map((a) => {
        const id = String(a.device_id);
        const last = latestOf.get(id) ?? {};
        const row: Row = {
          ...recentOf.get(id),
          device_id: id,
          quality_type: last.quality_type ?? null,
          firmware: last.firmware ?? null,
          readings: a.readings,
          first_seen: firstSeen.get(id) ?? null,
          last_seen: last.time ?? null,
          mean_risk: a.mean_risk,
          peak_risk: a.peak_risk,
          predicted_failures: failuresOf.get(id) ?? 0,
          latest_risk: last.p_any ?? null,
          latest_predicted_modes: last.predicted_modes ?? '',
        };
        FAILURE_MODES.forEach((m, i) => {
          row[`alarms_${lower(m)}`] = modeCounts[i]?.get(id) ?? 0;
        });
        for (const c of READINGS) row[`latest_${c}`] = last[c] ?? null;
        return row;
      });
  }

  async machineHistory(options: {
    deviceId: string;
    range: TimeRange;
    limit: number;
    window: number;
  }): Promise<MachineHistory> {
    const { deviceId, range, limit, window } = checkMachineHistory(options);
    const columns = [
      'device_id',
      'quality_type',
      'firmware',
      'model_version',
      'reading_sequence',
      ...MODE_FIELDS,
      'p_any',
      'failure',
      'predicted_modes',
      ...READINGS,
    ]
      .map((c) => `"${c}"`)
      .join(', ');
    const where = `${RANGE}${DEVICE}`;
    const [[recent = [], alarms = [], quarantine = []], summary] = await Promise.all([
      this.client.rows(
        [
          `SELECT ${columns} FROM ${P} WHERE ${where} ORDER BY time DESC LIMIT $limit`,
          `SELECT ${columns} FROM ${P} WHERE ${where} AND "failure" = true ORDER BY time DESC LIMIT $limit`,
          `SELECT count("reason") AS n FROM ${Q} WHERE ${where} GROUP BY "code"`,
        ],
        rangeParams(range, { device: deviceId, limit }),
      ),
      this.machineRows(range, window, deviceId),
    ]);
    return {
      deviceId,
      summary: summary[0] ? toMachineRisk(summary[0]) : null,
      recent: recent.map(toPredictionRecord),
      alarms: alarms.map(toPredictionRecord),
      quarantinedByCode: toCodeCounts(quarantine),
    };
  }

  /** Each scope's latest window in the range (its top features by PSI), and windows by the state they left. */
  async driftStatus(options: { range: TimeRange; features: number }): Promise<DriftStatus> {
    const { range, features } = checkDriftStatus(options);
    const params = rangeParams(range);
    const [latestTimes = [], ...stateCounts] = await this.client.rows(
      [
        `SELECT last("n") FROM ${D} WHERE ${RANGE} GROUP BY "scope"`,
        // Every window writes one point per feature, all with the window's state: a scope's windows in a state
        // are its most-counted feature's points in that state.
        ...DRIFT_STATES.map(
          (s) =>
            `SELECT count("n") AS n FROM ${D} WHERE ${RANGE} AND "state" = '${s.toLowerCase()}' GROUP BY "scope", "feature"`,
        ),
      ],
      params,
    );
    if (latestTimes.length === 0 && !(await this.hasDriftScores())) {
      return driftUnavailable(
        `no ${DRIFT_SERIES.influxMeasurement} measurement in this database yet: the drift monitor writes one point per scope, feature and window`,
      );
    }
    const windowParams: InfluxQlParams = {};
    latestTimes.forEach((r, i) => {
      windowParams[`s${i}`] = String(r.scope);
      windowParams[`t${i}`] = new Date(num(r.time)).toISOString();
    });
    const windows =
      latestTimes.length === 0
        ? []
        : await this.client.rows(
            latestTimes.map(
              (_, i) =>
                `SELECT "psi", "mean_shift", "variance_ratio", "cusum", "breached", "state", "feature", "model_version", "scope" FROM ${D} WHERE "scope" = $s${i} AND time = $t${i}`,
            ),
            windowParams,
          );
    const latest = windows.flatMap((rows) =>
      [...rows]
        .sort(
          (a, b) =>
            (Number.isFinite(num(b.psi)) ? num(b.psi) : -1) -
              (Number.isFinite(num(a.psi)) ? num(a.psi) : -1) ||
            (String(a.feature) < String(b.feature) ? -1 : 1),
        )
        .slice(0, features)
        .map((r) => ({ ...r, window_end: r.time })),
    );
    const states: Row[] = DRIFT_STATES.map((s: DriftState, i) => {
      const perScope = new Map<string, number>();
      for (const r of stateCounts[i] ?? []) {
        const scope = String(r.scope);
        perScope.set(scope, Math.max(perScope.get(scope) ?? 0, num(r.n)));
      }
      return { state: s, n: [...perScope.values()].reduce((a, b) => a + b, 0) };
    });
    return toDriftStatus(latest, states);
  }

  private async hasDriftScores(): Promise<boolean> {
    const [measurements = []] = await this.client.rows([`SHOW MEASUREMENTS WITH MEASUREMENT = ${D}`]);
    return measurements.length > 0;
  }
}
