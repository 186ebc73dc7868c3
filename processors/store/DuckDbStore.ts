import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  type DuckDBAppender,
  type DuckDBConnection,
  DuckDBInstance,
  DuckDBTimestampMillisecondsValue,
} from '@duckdb/node-api';
import type { DriftScoreRow, DriftScoreSink } from '../drift/types.js';
import {
  FAILURE_MODES,
  type PredictionRow,
  type PredictionSink,
  type QuarantineRow,
  type QuarantineSink,
} from '../inference/types.js';
import {
  DUCKDB_DRIFT_TABLE_EXISTS_SQL,
  driftUnavailable,
  duckDbDriftLatestSql,
  duckDbDriftStatesSql,
  toDriftStatus,
} from './queries/driftSql.js';
import { assertDeviceId, assertRange, assertWhole, QUERY_BOUNDS } from './queries/inputs.js';
import { SqlPeriodQueries } from './queries/SqlPeriodQueries.js';
import { duckDbDialect } from './queries/sqlDialect.js';
import type {
  DataSpan,
  DriftHistory,
  DriftStatus,
  FleetBucket,
  FleetPeriodSummary,
  FleetQueries,
  MachineHistory,
  MachinePeriodRisk,
  MachinePoint,
  MachineRisk,
  PeriodQueries,
  StoreCounts,
  TimeRange,
} from './types.js';

const PREDICTION_COLUMNS = `
  time TIMESTAMP_MS NOT NULL,
  device_id VARCHAR NOT NULL,
  quality_type VARCHAR NOT NULL,
  model_name VARCHAR NOT NULL,
  model_version VARCHAR NOT NULL,
  firmware VARCHAR NOT NULL,
  reading_sequence BIGINT NOT NULL,
  ${FAILURE_MODES.map((m) => `p_${m.toLowerCase()} DOUBLE NOT NULL`).join(',\n  ')},
  p_any DOUBLE NOT NULL,
  failure BOOLEAN NOT NULL,
  predicted_modes VARCHAR NOT NULL,
  air_temperature_k DOUBLE NOT NULL,
  process_temperature_k DOUBLE NOT NULL,
  rotational_speed_rpm DOUBLE NOT NULL,
  torque_nm DOUBLE NOT NULL,
  tool_wear_min DOUBLE NOT NULL,
  event_id VARCHAR NOT NULL`;

const QUARANTINE_COLUMNS = `
  event_id VARCHAR NOT NULL,
  sequence_number VARCHAR NOT NULL,
  partition_key VARCHAR NOT NULL,
  received_at TIMESTAMP_MS NOT NULL,
  stage VARCHAR NOT NULL,
  code VARCHAR NOT NULL,
  reason VARCHAR NOT NULL,
  device_id VARCHAR,
  raw BLOB NOT NULL`;

const DRIFT_SCORE_COLUMNS = `
  time TIMESTAMP_MS NOT NULL,
  scope VARCHAR NOT NULL,
  feature VARCHAR NOT NULL,
  window_start TIMESTAMP_MS NOT NULL,
  window_end TIMESTAMP_MS NOT NULL,
  n BIGINT NOT NULL,
  mean_shift DOUBLE NOT NULL,
  variance_ratio DOUBLE NOT NULL,
  psi DOUBLE NOT NULL,
  cusum DOUBLE NOT NULL,
  state VARCHAR NOT NULL,
  breached BOOLEAN NOT NULL,
  model_version VARCHAR NOT NULL`;

// drift_scores as DriftScoreRow reads it back (toDriftScoreRow): times as epoch milliseconds.
const DRIFT_SCORE_SELECT = `epoch_ms(time) AS time, scope, feature, epoch_ms(window_start) AS window_start,
  epoch_ms(window_end) AS window_end, n, mean_shift, variance_ratio, psi, cusum, state, breached, model_version`;

/** The file name of the embedded store inside a data directory. */
export const STORE_FILE = 'pfm.duckdb';

/**
 * The embedded store: one DuckDB file holding the predictions table (shaped like the Timestream table: time,
 * dimensions, measures) and the quarantine. Writes are idempotent: a redelivered batch adds no rows.
 */
export class DuckDbStore
  implements PredictionSink, QuarantineSink, FleetQueries, DriftScoreSink, PeriodQueries
{
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    readonly readOnly: boolean,
  ) {}

  /** Opens (and on first use creates) the store file; `:memory:` gives a throwaway store. */
  static async open(path: string, options: { readOnly?: boolean } = {}): Promise<DuckDbStore> {
    const readOnly = options.readOnly ?? false;
    if (path !== ':memory:' && !readOnly) mkdirSync(dirname(path), { recursive: true });
    const instance = await DuckDBInstance.create(path, readOnly ? { access_mode: 'READ_ONLY' } : {});
    const connection = await instance.connect();
    const store = new DuckDbStore(instance, connection, readOnly);
    if (!readOnly) await store.migrate();
    return store;
  }

  private async migrate(): Promise<void> {
    await this.connection.run(`CREATE TABLE IF NOT EXISTS predictions (${PREDICTION_COLUMNS},
      PRIMARY KEY (device_id, time, model_version))`);
    await this.connection.run(
      `CREATE TABLE IF NOT EXISTS quarantine (${QUARANTINE_COLUMNS}, PRIMARY KEY (event_id))`,
    );
    await this.connection.run(`CREATE TEMP TABLE IF NOT EXISTS predictions_stage (${PREDICTION_COLUMNS})`);
    await this.connection.run(`CREATE TEMP TABLE IF NOT EXISTS quarantine_stage (${QUARANTINE_COLUMNS})`);
    await this.connection.run(`CREATE TABLE IF NOT EXISTS drift_scores (${DRIFT_SCORE_COLUMNS},
      PRIMARY KEY (scope, feature, window_start, window_end, model_version))`);
    await this.connection.run(`CREATE TEMP TABLE IF NOT EXISTS drift_scores_stage (${DRIFT_SCORE_COLUMNS})`);
  }

  /** Appends rows through a staging table, then inserts those whose key is new: redelivery is a no-op. */
  async writePredictions(rows: readonly PredictionRow[]): Promise<{ rejected: QuarantineRow[] }> {
    if (rows.length === 0) return { rejected: [] };
    await this.serialize(async () => {
      const appender = await this.connection.createAppender('predictions_stage', 'main', 'temp');
      for (const r of rows) appendPrediction(appender, r);
      appender.closeSync();
      await this.connection.run(`INSERT OR IGNORE INTO predictions
        SELECT DISTINCT ON (device_id, time, model_version) * FROM predictions_stage`);
      await this.connection.run('DELETE FROM predictions_stage');
    });
    return { rejected: [] };
  }

  /** Stores quarantined records with their raw bytes, once per stream event id. */
  async quarantine(rows: readonly QuarantineRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.serialize(async () => {
      const appender = await this.connection.createAppender('quarantine_stage', 'main', 'temp');
      for (const q of rows) {
        appender.appendVarchar(q.source.eventId);
        appender.appendVarchar(q.source.sequenceNumber);
        appender.appendVarchar(q.source.partitionKey);
        appender.appendTimestampMilliseconds(new DuckDBTimestampMillisecondsValue(BigInt(q.receivedAt)));
        appender.appendVarchar(q.stage);
        appender.appendVarchar(q.code);
        appender.appendVarchar(q.reason);
        if (q.deviceId === null) appender.appendNull();
        else appender.appendVarchar(q.deviceId);
        appender.appendBlob(q.raw);
        appender.endRow();
      }
      appender.closeSync();
      await this.connection.run(
        'INSERT OR IGNORE INTO quarantine SELECT DISTINCT ON (event_id) * FROM quarantine_stage',
      );
      await this.connection.run('DELETE FROM quarantine_stage');
    });
  }

  /** Stores one row per scope, feature and window; a re-evaluated window adds no rows. */
  async writeDriftScores(rows: readonly DriftScoreRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.serialize(async () => {
      const appender = await this.connection.createAppender('drift_scores_stage', 'main', 'temp');
      for (const r of rows) {
        appender.appendTimestampMilliseconds(
          new DuckDBTimestampMillisecondsValue(BigInt(Math.round(r.time))),
        );
        appender.appendVarchar(r.scope);
        appender.appendVarchar(r.feature);
        appender.appendTimestampMilliseconds(
          new DuckDBTimestampMillisecondsValue(BigInt(Math.round(r.windowStart))),
        );
        appender.appendTimestampMilliseconds(
          new DuckDBTimestampMillisecondsValue(BigInt(Math.round(r.windowEnd))),
        );
        appender.appendBigInt(BigInt(r.n));
        appender.appendDouble(r.meanShift);
        appender.appendDouble(r.varianceRatio);
        appender.appendDouble(r.psi);
        appender.appendDouble(r.cusum);
        appender.appendVarchar(r.state);
        appender.appendBoolean(r.breached);
        appender.appendVarchar(r.modelVersion);
        appender.endRow();
      }
      appender.closeSync();
      await this.connection.run(`INSERT OR IGNORE INTO drift_scores
        SELECT DISTINCT ON (scope, feature, window_start, window_end, model_version) * FROM drift_scores_stage`);
      await this.connection.run('DELETE FROM drift_scores_stage');
    });
  }

  /** The latest drift scores, newest window first, optionally for one scope and/or feature. */
  async driftScores(
    options: { scope?: string; feature?: string; limit?: number } = {},
  ): Promise<DriftScoreRow[]> {
    const where: string[] = [];
    const params: Record<string, string | number> = { limit: options.limit ?? 100 };
    if (options.scope !== undefined) {
      where.push('scope = $scope');
      params.scope = options.scope;
    }
    if (options.feature !== undefined) {
      where.push('feature = $feature');
      params.feature = options.feature;
    }
    const rows = await this.query(
      `SELECT ${DRIFT_SCORE_SELECT}
       FROM drift_scores ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY window_end DESC, scope, feature LIMIT $limit`,
      params,
    );
    return rows.map(toDriftScoreRow);
  }

  /** Runs a read query and returns its rows as plain JSON-friendly objects. */
  async query(
    sql: string,
    params?: Record<string, string | number | boolean>,
  ): Promise<Record<string, unknown>[]> {
    return this.serialize(async () => {
      const reader = await this.connection.runAndReadAll(sql, params);
      return reader.getRowObjectsJson() as Record<string, unknown>[];
    });
  }

  async topAtRisk(options: { limit: number; window: number }): Promise<MachineRisk[]> {
    const modeAverages = FAILURE_MODES.map((m) => `avg(p_${m.toLowerCase()}) AS avg_${m.toLowerCase()}`).join(
      ', ',
    );
    const rows = await this.query(
      `WITH recent AS (
         SELECT *, row_number() OVER (PARTITION BY device_id ORDER BY time DESC) AS rn FROM predictions
       )
       SELECT device_id, any_value(quality_type) AS quality_type, epoch_ms(max(time)) AS last_seen,
         count(*)::INTEGER AS readings, avg(p_any) AS risk, max(p_any) AS peak_risk,
         sum(failure::INTEGER)::INTEGER AS predicted_failures, ${modeAverages},
         arg_max(tool_wear_min, time) AS tool_wear_min, arg_max(torque_nm, time) AS torque_nm,
         arg_max(rotational_speed_rpm, time) AS rotational_speed_rpm,
         arg_max(process_temperature_k - air_temperature_k, time) AS temperature_delta_k,
         arg_max(predicted_modes, time) AS predicted_modes
       FROM recent WHERE rn <= $window
       GROUP BY device_id ORDER BY risk DESC, device_id LIMIT $limit`,
      { window: options.window, limit: options.limit },
    );
    return rows.map((r) => {
      let leadingMode: (typeof FAILURE_MODES)[number] = FAILURE_MODES[0];
      for (const m of FAILURE_MODES) {
        if (Number(r[`avg_${m.toLowerCase()}`]) > Number(r[`avg_${leadingMode.toLowerCase()}`]))
          leadingMode = m;
      }
      return {
        deviceId: String(r.device_id),
        qualityType: String(r.quality_type),
        lastSeen: Number(r.last_seen),
        readings: Number(r.readings),
        risk: Number(r.risk),
        peakRisk: Number(r.peak_risk),
        predictedFailures: Number(r.predicted_failures),
        leadingMode,
        leadingModeProbability: Number(r[`avg_${leadingMode.toLowerCase()}`]),
        latest: {
          toolWearMin: Number(r.tool_wear_min),
          torqueNm: Number(r.torque_nm),
          rotationalSpeedRpm: Number(r.rotational_speed_rpm),
          temperatureDeltaK: Number(r.temperature_delta_k),
          predictedModes: String(r.predicted_modes),
        },
      };
    });
  }

  async counts(): Promise<StoreCounts> {
    const modeCounts = FAILURE_MODES.map(
      (m) =>
        `count(*) FILTER (WHERE list_contains(string_split(predicted_modes, '|'), '${m}'))::INTEGER AS ${m}`,
    ).join(', ');
    const [p] = await this.query(
      `SELECT count(*)::INTEGER AS n, count(DISTINCT device_id)::INTEGER AS devices,
         count(*) FILTER (WHERE failure)::INTEGER AS failures, ${modeCounts} FROM predictions`,
    );
    const q = await this.query(
      'SELECT code, count(*)::INTEGER AS n FROM quarantine GROUP BY code ORDER BY n DESC',
    );
    const quarantinedByCode: Record<string, number> = {};
    for (const row of q) quarantinedByCode[String(row.code)] = Number(row.n);
    const predictedByMode = Object.fromEntries(
      FAILURE_MODES.map((m) => [m, Number(p?.[m] ?? 0)]),
    ) as StoreCounts['predictedByMode'];
    return {
      predictions: Number(p?.n ?? 0),
      quarantined: Object.values(quarantinedByCode).reduce((a, b) => a + b, 0),
      quarantinedByCode,
      predictedFailures: Number(p?.failures ?? 0),
      predictedByMode,
      devices: Number(p?.devices ?? 0),
    };
  }

  /** One machine's latest `limit` predictions, oldest first. */
  async machineSeries(options: { deviceId: string; limit: number }): Promise<MachinePoint[]> {
    const deviceId = assertDeviceId(options.deviceId);
    const limit = assertWhole(options.limit, 'limit', 1, 100_000);
    const modes = FAILURE_MODES.map((m) => `p_${m.toLowerCase()}`).join(', ');
    const rows = await this.query(
      `SELECT epoch_ms(time) AS time, p_any, ${modes}, failure, air_temperature_k, process_temperature_k,
         rotational_speed_rpm, torque_nm, tool_wear_min
       FROM predictions WHERE device_id = $device ORDER BY time DESC LIMIT $limit`,
      { device: deviceId, limit },
    );
    return rows.reverse().map((r) => ({
      time: Number(r.time),
      risk: Number(r.p_any),
      probabilities: Object.fromEntries(
        FAILURE_MODES.map((m) => [m, Number(r[`p_${m.toLowerCase()}`])]),
      ) as MachinePoint['probabilities'],
      failure: r.failure === true,
      readings: {
        airTemperatureK: Number(r.air_temperature_k),
        processTemperatureK: Number(r.process_temperature_k),
        rotationalSpeedRpm: Number(r.rotational_speed_rpm),
        torqueNm: Number(r.torque_nm),
        toolWearMin: Number(r.tool_wear_min),
      },
    }));
  }

  /** The store's time span in `buckets` equal buckets; buckets without predictions are left out. */
  async fleetTimeline(options: { buckets: number }): Promise<FleetBucket[]> {
    const buckets = assertWhole(options.buckets, 'buckets', 1, 10_000);
    const modeAlarms = FAILURE_MODES.map(
      (m) =>
        `count(*) FILTER (WHERE list_contains(string_split(predicted_modes, '|'), '${m}'))::INTEGER AS ${m}`,
    ).join(', ');
    const rows = await this.query(
      `WITH span AS (SELECT epoch_ms(min(time)) AS lo, epoch_ms(max(time)) + 1 AS hi FROM predictions),
       bucketed AS (
         SELECT least($buckets - 1, floor((epoch_ms(p.time) - s.lo) * $buckets / (s.hi - s.lo)))::INTEGER AS bucket,
           s.lo, s.hi, p.device_id, p.p_any, p.failure, p.predicted_modes
         FROM predictions p, span s
       )
       SELECT bucket, any_value(lo) AS lo, any_value(hi) AS hi, count(*)::INTEGER AS n,
         count(DISTINCT device_id)::INTEGER AS devices, avg(p_any) AS mean_risk, max(p_any) AS peak_risk,
         count(*) FILTER (WHERE failure)::INTEGER AS alarms, ${modeAlarms}
       FROM bucketed GROUP BY bucket ORDER BY bucket`,
      { buckets },
    );
    return rows.map((r) => {
      const lo = Number(r.lo);
      const width = (Number(r.hi) - lo) / buckets;
      const bucket = Number(r.bucket);
      return {
        start: lo + bucket * width,
        end: lo + (bucket + 1) * width,
        predictions: Number(r.n),
        devices: Number(r.devices),
        meanRisk: Number(r.mean_risk),
        peakRisk: Number(r.peak_risk),
        alarms: Number(r.alarms),
        alarmsByMode: Object.fromEntries(
          FAILURE_MODES.map((m) => [m, Number(r[m])]),
        ) as FleetBucket['alarmsByMode'],
      };
    });
  }

  /** A scope's drift scores over its latest windows and each scope's latest state; unavailable without a drift table. */
  async driftHistory(options: { scope: string; windows: number }): Promise<DriftHistory> {
    const windows = assertWhole(options.windows, 'windows', 1, 10_000);
    const [exists] = await this.query(DUCKDB_DRIFT_TABLE_EXISTS_SQL);
    if (Number(exists?.n ?? 0) === 0) return { available: false, scopes: [], rows: [] };
    const scopes = await this.query(
      `SELECT scope, arg_max(state, window_end) AS state, epoch_ms(max(window_end)) AS window_end,
         count(DISTINCT window_end)::INTEGER AS windows
       FROM drift_scores GROUP BY scope ORDER BY scope`,
    );
    const rows = await this.query(
      `WITH recent AS (
         SELECT DISTINCT window_end FROM drift_scores WHERE scope = $scope ORDER BY window_end DESC LIMIT $windows
       )
       SELECT ${DRIFT_SCORE_SELECT}
       FROM drift_scores WHERE scope = $scope AND window_end IN (SELECT window_end FROM recent)
       ORDER BY window_end, feature`,
      { scope: options.scope, windows },
    );
    return {
      available: true,
      scopes: scopes.map((r) => ({
        scope: String(r.scope),
        state: String(r.state) as DriftHistory['scopes'][number]['state'],
        windowEnd: Number(r.window_end),
        windows: Number(r.windows),
      })),
      rows: rows.map(toDriftScoreRow),
    };
  }

  // The maintenance agent's period queries (PeriodQueries): shared SQL templates, parameters bound.
  private readonly period = new SqlPeriodQueries({
    dialect: duckDbDialect,
    run: (sql, params) => this.query(sql, params),
  });

  /** How much the store holds overall. */
  dataSpan(): Promise<DataSpan> {
    return this.period.dataSpan();
  }

  /** The fleet over a time range. */
  fleetSummary(range: TimeRange): Promise<FleetPeriodSummary> {
    return this.period.fleetSummary(range);
  }

  /** Machines ranked by recent risk within a time range. */
  riskRanking(options: Parameters<PeriodQueries['riskRanking']>[0]): Promise<MachinePeriodRisk[]> {
    return this.period.riskRanking(options);
  }

  /** One machine within a time range. */
  machineHistory(options: Parameters<PeriodQueries['machineHistory']>[0]): Promise<MachineHistory> {
    return this.period.machineHistory(options);
  }

  /** Drift state per scope after its latest window in the range; unavailable without a drift table. */
  async driftStatus(options: { range: TimeRange; features: number }): Promise<DriftStatus> {
    const range = assertRange(options.range);
    const features = assertWhole(options.features, 'features', 1, QUERY_BOUNDS.maxFeatures);
    const [exists] = await this.query(DUCKDB_DRIFT_TABLE_EXISTS_SQL);
    if (Number(exists?.n ?? 0) === 0) {
      return driftUnavailable('the store has no drift_scores table: the drift monitor has not written to it');
    }
    const latest = duckDbDialect();
    const latestSql = duckDbDriftLatestSql(latest, range, features);
    const states = duckDbDialect();
    const statesSql = duckDbDriftStatesSql(states, range);
    return toDriftStatus(
      await this.query(latestSql, latest.params),
      await this.query(statesSql, states.params),
    );
  }

  /** Flushes the write-ahead log into the file and closes the store. */
  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    if (!this.readOnly) await this.connection.run('CHECKPOINT');
    this.connection.closeSync();
    this.instance.closeSync();
  }

  // One connection, one writer at a time: batches from several shards arrive concurrently.
  private serialize<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

function appendPrediction(a: DuckDBAppender, r: PredictionRow): void {
  a.appendTimestampMilliseconds(new DuckDBTimestampMillisecondsValue(BigInt(r.time)));
  a.appendVarchar(r.deviceId);
  a.appendVarchar(r.qualityType);
  a.appendVarchar(r.modelName);
  a.appendVarchar(r.modelVersion);
  a.appendVarchar(r.firmware);
  a.appendBigInt(BigInt(r.readingSequence));
  for (const mode of FAILURE_MODES) a.appendDouble(r.probabilities[mode]);
  a.appendDouble(r.anyFailureProbability);
  a.appendBoolean(r.failure);
  a.appendVarchar(r.predictedModes.join('|'));
  a.appendDouble(r.airTemperatureK);
  a.appendDouble(r.processTemperatureK);
  a.appendDouble(r.rotationalSpeedRpm);
  a.appendDouble(r.torqueNm);
  a.appendDouble(r.toolWearMin);
  a.appendVarchar(r.source.eventId);
  a.endRow();
}

function toDriftScoreRow(r: Record<string, unknown>): DriftScoreRow {
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
