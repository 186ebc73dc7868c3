import type { ForecastSettings } from './types.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/**
 * The defaults: 8 hours ahead in 10-minute steps (48 steps), 32 slow-state paths x 8 draws = 256 futures
 * per machine. A 200-machine fleet is then 2.46 M projected readings per scenario, a few seconds on one
 * core (BENCHMARKS.md, forecast section); the due time is interpolated within its 10-minute step.
 */
export const DEFAULT_FORECAST_SETTINGS: ForecastSettings = {
  horizonMs: 8 * HOUR_MS,
  stepMs: 10 * MINUTE_MS,
  paths: 32,
  drawsPerPath: 8,
  dueLevel: 0.5,
  noticeMs: 2 * HOUR_MS,
  releaseLevel: 0.25,
  reportHorizonsMs: [30 * MINUTE_MS, HOUR_MS, 2 * HOUR_MS, 4 * HOUR_MS, 8 * HOUR_MS],
  minReadings: 30,
  minOwnReplacements: 3,
  loadReduction: 0.2,
  actions: true,
  chunkRows: 32_768,
  seed: 20_170_817,
};

/** The history a forecast reads per machine by default: enough to see several tools come and go. */
export const DEFAULT_HISTORY_MS = 24 * HOUR_MS;
/** At most this many of a machine's latest readings are read for its forecast. */
export const DEFAULT_HISTORY_READINGS = 2_000;

/** EventBridge source and detail type of the maintenance-due event. */
export const FORECAST_EVENT_SOURCE = 'pfm.forecast';
export const MAINTENANCE_DUE_DETAIL_TYPE = 'MaintenanceDue';
/** Version of the MaintenanceDue event's detail layout. */
export const MAINTENANCE_DUE_SCHEMA_VERSION = 1;

/** The calibration file's name beside the forecaster's code (written by `pfm forecast calibrate`). */
export const CALIBRATION_FILE = 'calibration.json';
