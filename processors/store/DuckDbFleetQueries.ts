import { FAILURE_MODES } from '../inference/types.js';
import type { DuckDbDatabase } from './DuckDbDatabase.js';
import {
  DUCKDB_DRIFT_SCORE_SELECT,
  DUCKDB_DRIFT_TABLE_EXISTS_SQL,
  toDriftScoreRow,
} from './queries/driftSql.js';
import { assertDeviceId, assertWhole } from './queries/inputs.js';
import type {
  DriftHistory,
  FleetBucket,
  FleetQueries,
  MachinePoint,
  MachineRisk,
  StoreCounts,
} from './types.js';

/** FleetQueries on the embedded store: what the dashboard, `pfm top` and the end-of-run summary show. */
export class DuckDbFleetQueries implements FleetQueries {
  constructor(private readonly database: DuckDbDatabase) {}

  /** Machines by mean risk over their last `window` readings, with leading mode and latest readings. */
  async topAtRisk(options: { limit: number; window: number }): Promise<MachineRisk[]> {
    const modeAverages = FAILURE_MODES.map((m) => `avg(p_${m.toLowerCase()}) AS avg_${m.toLowerCase()}`).join(
      ', ',
    );
    const rows = await this.database.query(
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

  /** Row counts: predictions, machines, alarms by mode, and quarantined records by code. */
  async counts(): Promise<StoreCounts> {
    const modeCounts = FAILURE_MODES.map(
      (m) =>
        `count(*) FILTER (WHERE list_contains(string_split(predicted_modes, '|'), '${m}'))::INTEGER AS ${m}`,
    ).join(', ');
    const [p] = await this.database.query(
      `SELECT count(*)::INTEGER AS n, count(DISTINCT device_id)::INTEGER AS devices,
         count(*) FILTER (WHERE failure)::INTEGER AS failures, ${modeCounts} FROM predictions`,
    );
    const q = await this.database.query(
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
    const rows = await this.database.query(
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
    const rows = await this.database.query(
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
    const [exists] = await this.database.query(DUCKDB_DRIFT_TABLE_EXISTS_SQL);
    if (Number(exists?.n ?? 0) === 0) return { available: false, scopes: [], rows: [] };
    const scopes = await this.database.query(
      `SELECT scope, arg_max(state, window_end) AS state, epoch_ms(max(window_end)) AS window_end,
         count(DISTINCT window_end)::INTEGER AS windows
       FROM drift_scores GROUP BY scope ORDER BY scope`,
    );
    const rows = await this.database.query(
      `WITH recent AS (
         SELECT DISTINCT window_end FROM drift_scores WHERE scope = $scope ORDER BY window_end DESC LIMIT $windows
       )
       SELECT ${DUCKDB_DRIFT_SCORE_SELECT}
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
}
