import { FAILURE_MODES } from '../inference/types.js';

// The embedded store's tables. `predictions` is shaped like the Timestream table (time, dimensions,
// measures), one row per reading identity (device_id, time); each has a temporary staging twin that a
// write appends to before its rows are copied across.

const PREDICTION_COLUMNS = `
  time TIMESTAMP_MS NOT NULL,
  device_id VARCHAR NOT NULL,
  quality_type VARCHAR NOT NULL,
  model_name VARCHAR NOT NULL,
  model_version VARCHAR NOT NULL,
  model_sequence BIGINT NOT NULL,
  firmware VARCHAR NOT NULL,
  reading_sequence BIGINT NOT NULL,
  reading_digest VARCHAR NOT NULL,
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

/** Statements creating the store's tables where missing, in order; a writable store runs them on open. */
export const DUCKDB_SCHEMA: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS predictions (${PREDICTION_COLUMNS}, PRIMARY KEY (device_id, time))`,
  `CREATE TABLE IF NOT EXISTS quarantine (${QUARANTINE_COLUMNS}, PRIMARY KEY (event_id))`,
  `CREATE TEMP TABLE IF NOT EXISTS predictions_stage (${PREDICTION_COLUMNS})`,
  // The identities of an incoming batch, joined to predictions to learn what the store holds for them.
  'CREATE TEMP TABLE IF NOT EXISTS prediction_keys (device_id VARCHAR NOT NULL, time TIMESTAMP_MS NOT NULL)',
  `CREATE TEMP TABLE IF NOT EXISTS quarantine_stage (${QUARANTINE_COLUMNS})`,
  `CREATE TABLE IF NOT EXISTS drift_scores (${DRIFT_SCORE_COLUMNS},
      PRIMARY KEY (scope, feature, window_start, window_end, model_version))`,
  `CREATE TEMP TABLE IF NOT EXISTS drift_scores_stage (${DRIFT_SCORE_COLUMNS})`,
];

/**
 * A query that is non-empty only for a `predictions` table of an older layout (one row per model version, no
 * reading digest): such a file cannot take the identity policy's writes and is refused on open.
 */
export const DUCKDB_OUTDATED_PREDICTIONS_SQL = `SELECT 1 FROM information_schema.tables t
  WHERE t.table_schema = 'main' AND t.table_name = 'predictions' AND NOT EXISTS (
    SELECT 1 FROM information_schema.columns c
    WHERE c.table_schema = 'main' AND c.table_name = 'predictions' AND c.column_name = 'reading_digest')`;
