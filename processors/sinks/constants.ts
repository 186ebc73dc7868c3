import { nonEmptyText } from '../../kernel/configSchema.js';
/**
 * The names the time-series sinks write, in one place: the sinks build their records from these, the Grafana
 * dashboards may only query these (test/processors/sinks/dashboards.test.ts), and the drift monitor writes `DRIFT_SERIES`.
 * Column names match the embedded DuckDB `predictions` and `quarantine` tables.
 */

/** Timestream measure value types used here (a subset of the service's). */
export const MEASURE_TYPES = ['DOUBLE', 'BIGINT', 'VARCHAR', 'BOOLEAN'] as const;
export type MeasureType = (typeof MEASURE_TYPES)[number];

/** The shape of one series: table (Timestream) or measurement (InfluxDB), its dimensions/tags and measures/fields. */
export interface SeriesSchema {
  /** Default Timestream table; the predictions and quarantine tables can be renamed by configuration. */
  readonly timestreamTable: string;
  /** `measure_name` of the Timestream multi-measure records. */
  readonly measureName: string;
  readonly influxMeasurement: string;
  /** Timestream dimensions (part of a record's identity); InfluxDB tags too unless `influxTags` says otherwise. */
  readonly dimensions: readonly string[];
  readonly measures: Readonly<Record<string, MeasureType>>;
  /**
   * InfluxDB tags, when they differ from the dimensions: names of dimensions or VARCHAR measures whose values
   * are few (bounded cardinality). Every other dimension and measure is written as a field.
   */
  readonly influxTags?: readonly string[];
}

/**
 * One multi-measure record (InfluxDB: one point) per reading identity. Only the device and the quality type, both
 * parts of the reading and of few values, are dimensions/tags: the model (name, version, sequence) and the free-text
 * firmware are measures/fields, so that a re-score by a newer model lands on the same record or point and replaces
 * it (TimestreamSink's `Version`, InfluxDbSink's read-before-write), and no tag can carry hostile text.
 */
export const PREDICTION_SERIES = {
  timestreamTable: 'predictions',
  measureName: 'prediction',
  influxMeasurement: 'prediction',
  dimensions: ['device_id', 'quality_type'],
  measures: {
    p_twf: 'DOUBLE',
    p_hdf: 'DOUBLE',
    p_pwf: 'DOUBLE',
    p_osf: 'DOUBLE',
    p_rnf: 'DOUBLE',
    p_any: 'DOUBLE',
    failure: 'BOOLEAN',
    /**
     * `|`-joined modes, written on every record so a re-score never keeps an older model's modes: `""` when no mode
     * is predicted (Timestream, which refuses empty values: TIMESTREAM_NO_MODES).
     */
    predicted_modes: 'VARCHAR',
    air_temperature_k: 'DOUBLE',
    process_temperature_k: 'DOUBLE',
    rotational_speed_rpm: 'DOUBLE',
    torque_nm: 'DOUBLE',
    tool_wear_min: 'DOUBLE',
    model_name: 'VARCHAR',
    model_version: 'VARCHAR',
    model_sequence: 'BIGINT',
    firmware: 'VARCHAR',
    reading_sequence: 'BIGINT',
    reading_digest: 'VARCHAR',
    /** The first record the reading was stored from (a duplicate put or a redelivery does not change it). */
    event_id: 'VARCHAR',
  },
} as const satisfies SeriesSchema;

/** `predicted_modes` in Timestream when no mode is predicted: it names no mode, and an empty value is refused. */
export const TIMESTREAM_NO_MODES = 'none';

/**
 * Timestream's claim on a reading identity: one scalar record per reading in the predictions table (dimension
 * device_id, measure `reading_digest`, always Version 1), written before the prediction. Timestream itself then
 * refuses a different digest for the same identity (RejectedRecords with ExistingVersion), which a prediction
 * record, versioned by model, cannot do: a newer model's Version would overwrite a different reading.
 */
export const TIMESTREAM_READING_CLAIM = {
  measureName: 'reading_digest',
  dimensions: ['device_id'],
  version: 1,
} as const;

/**
 * Quarantined records, in their own table/measurement of the same database, one per stream record: its identity is
 * its event id (shard and sequence number), its time the record's arrival on the stream, so a redelivery lands on
 * the same record. `raw_base64` holds the raw bytes, cut to fit the store's record size, with `raw_bytes`,
 * `raw_sha256` and `raw_truncated` saying so honestly.
 */
export const QUARANTINE_SERIES = {
  timestreamTable: 'quarantine',
  measureName: 'quarantine',
  influxMeasurement: 'quarantine',
  /** Timestream: the event id alone is the identity (a second quarantine of the same record is refused, absorbed). */
  dimensions: ['event_id'],
  /**
   * InfluxDB: tags of few values only (event_id as a tag would make one series per quarantined record). A point's
   * time is the arrival time in nanoseconds plus a slot that keeps records of the same millisecond apart (InfluxDbSink).
   */
  influxTags: ['stage', 'code', 'shard_id'],
  measures: {
    stage: 'VARCHAR',
    code: 'VARCHAR',
    shard_id: 'VARCHAR',
    /** Left out when the record could not be decoded far enough to know it. */
    device_id: 'VARCHAR',
    sequence_number: 'VARCHAR',
    partition_key: 'VARCHAR',
    reason: 'VARCHAR',
    raw_base64: 'VARCHAR',
    raw_bytes: 'BIGINT',
    raw_sha256: 'VARCHAR',
    raw_truncated: 'BOOLEAN',
  },
} as const satisfies SeriesSchema;

/**
 * Drift scores, one record per scope, feature and window (time: the window end), written by the drift monitor;
 * the dashboards and the agent's drift_status read them. `scope` is `fleet` or `quality:L|M|H`; `state` is the
 * scope's decision after the window, ok|warn|drift; `cusum` is the feature's largest CUSUM as a fraction of its
 * alarm threshold; `breached` says whether a per-window test fired; `n` counts the feature's finite values.
 */
export const DRIFT_SERIES = {
  timestreamTable: 'drift_scores',
  measureName: 'drift',
  influxMeasurement: 'drift_scores',
  dimensions: ['scope', 'feature', 'model_name', 'model_version'],
  measures: {
    psi: 'DOUBLE',
    mean_shift: 'DOUBLE',
    variance_ratio: 'DOUBLE',
    cusum: 'DOUBLE',
    state: 'VARCHAR',
    breached: 'BOOLEAN',
    n: 'BIGINT',
  },
} as const satisfies SeriesSchema;

/**
 * Forecasts, one record per machine and forecast run (time: the run's generatedAt), written by the scheduled forecast
 * (processors/forecast/lambda.ts); Grafana's "Maintenance due" panels and the deployed agent's maintenance_plan read
 * the latest run back (processors/forecast/storedForecast.ts says what is kept exactly and what is approximated).
 * Numeric measures only, besides a few short words: `status` ok|not_enough_data, `leading_mode`, `recommended_action`,
 * `tool_life_from`, `mode_notes` (`MODE:forecastable 0|1:ahead AUC` joined by `;`). Times are epoch ms (BIGINT);
 * `p_30m` ... `p_8h` are the cumulative probability of a forecastable failure at those horizons (the stored risk
 * curve, with `p_horizon` at the run's horizon), `p_twf` ... `p_rnf` and `p_any_horizon` are at the horizon's end.
 */
export const FORECAST_SERIES = {
  timestreamTable: 'forecasts',
  measureName: 'forecast',
  influxMeasurement: 'forecasts',
  dimensions: ['device_id', 'quality_type'],
  measures: {
    status: 'VARCHAR',
    readings: 'BIGINT',
    reason: 'VARCHAR',
    as_of: 'BIGINT',
    due_at: 'BIGINT',
    notice_probability: 'DOUBLE',
    leading_mode: 'VARCHAR',
    p_30m: 'DOUBLE',
    p_1h: 'DOUBLE',
    p_2h: 'DOUBLE',
    p_4h: 'DOUBLE',
    p_8h: 'DOUBLE',
    p_horizon: 'DOUBLE',
    p_any_horizon: 'DOUBLE',
    p_twf: 'DOUBLE',
    p_hdf: 'DOUBLE',
    p_pwf: 'DOUBLE',
    p_osf: 'DOUBLE',
    p_rnf: 'DOUBLE',
    expected_ttf_min: 'DOUBLE',
    beyond_horizon: 'DOUBLE',
    tool_wear_min: 'DOUBLE',
    wear_per_hour: 'DOUBLE',
    pace_ms: 'BIGINT',
    tool_replacements_seen: 'BIGINT',
    tool_life_from: 'VARCHAR',
    air_level_k: 'DOUBLE',
    delta_level_k: 'DOUBLE',
    recommended_action: 'VARCHAR',
    recommended_notice_probability: 'DOUBLE',
    recommended_probability: 'DOUBLE',
    recommended_due_at: 'BIGINT',
    recommended_ttf_min: 'DOUBLE',
    horizon_ms: 'BIGINT',
    step_ms: 'BIGINT',
    notice_ms: 'BIGINT',
    due_level: 'DOUBLE',
    release_level: 'DOUBLE',
    load_reduction: 'DOUBLE',
    paths: 'BIGINT',
    draws_per_path: 'BIGINT',
    rows_scored: 'BIGINT',
    mode_notes: 'VARCHAR',
    ahead_processes: 'BIGINT',
    model_name: 'VARCHAR',
    model_version: 'VARCHAR',
  },
} as const satisfies SeriesSchema;

/** Every series the sinks, the drift monitor and the forecaster write. */
export const ALL_SERIES = [PREDICTION_SERIES, QUARANTINE_SERIES, DRIFT_SERIES, FORECAST_SERIES] as const;

export type PredictionMeasure = keyof typeof PREDICTION_SERIES.measures;
export type PredictionDimension = (typeof PREDICTION_SERIES.dimensions)[number];
export type QuarantineMeasure = keyof typeof QUARANTINE_SERIES.measures;
export type QuarantineDimension = (typeof QUARANTINE_SERIES.dimensions)[number];
export type DriftMeasure = keyof typeof DRIFT_SERIES.measures;
export type DriftDimension = (typeof DRIFT_SERIES.dimensions)[number];
export type ForecastMeasure = keyof typeof FORECAST_SERIES.measures;
export type ForecastDimension = (typeof FORECAST_SERIES.dimensions)[number];

/** Quarantine codes of records a sink turned away (stage `sink`). */
export const SINK_QUARANTINE_CODES = {
  timestreamRejected: 'TIMESTREAM_REJECTED',
  influxRejected: 'INFLUXDB_REJECTED',
  /** Refused before sending: the row cannot be represented within the store's limits (non-finite, too large). */
  invalidRecord: 'SINK_RECORD_INVALID',
  /** A different reading of an identity (device id, timestamp) the store already holds (schemas/README.md). */
  readingConflict: 'READING_CONFLICT',
} as const;

/** Timestream database and table names: 3 to 256 of letters, digits, '_', '.', '-' (developer guide, "Quotas"). */
export const TIMESTREAM_NAME = /^[A-Za-z0-9_.-]{3,256}$/;

/** A Timestream database or table name in configuration. */
export const timestreamName = nonEmptyText.regex(
  TIMESTREAM_NAME,
  "must be 3-256 characters of letters, digits, '_', '.', '-'",
);

/** Documented Timestream for LiveAnalytics limits the sink respects (developer guide, "Quotas"). */
export const TIMESTREAM_LIMITS = {
  recordsPerWrite: 100,
  recordBytes: 2048,
  dimensionNameBytes: 60,
  dimensionsPerTable: 128,
  measureNameBytes: 256,
  measureValueChars: 2048,
  measuresPerMultiMeasureRecord: 256,
} as const;

/** Defaults of the remote sinks. */
export const SINK_DEFAULTS = {
  concurrency: 4,
  maxAttempts: 6,
  baseDelayMs: 50,
  maxDelayMs: 5_000,
  influxBatchLines: 5_000,
  influxTimeoutMs: 10_000,
  /** A server asking to wait longer than this gets a retryable failure instead: the batch is retried later. */
  influxMaxRetryAfterMs: 10_000,
} as const;
