import { z } from 'zod';
import { dynamoDbTableName, nonEmptyText, parseConfig, wholeNumberText } from '../../kernel/configSchema.js';
import { timestreamName } from '../sinks/constants.js';
import { SINK_KINDS } from '../sinks/types.js';
import { DEFAULT_FORECAST_SETTINGS } from './constants.js';
import type { ForecastSettings } from './types.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const D = DEFAULT_FORECAST_SETTINGS;

/** A probability given as text. */
const probabilityText = z
  .string()
  .trim()
  .regex(/^(0(\.\d+)?|1(\.0+)?)$/, 'must be a number from 0 to 1')
  .transform(Number);

const forecastEnvSchema = z
  .object({
    /** The event bus MaintenanceDue events go to (infra sets it). */
    PFM_EVENT_BUS: nonEmptyText,
    PFM_MODEL_DIR: nonEmptyText.optional(),
    /** The store the history is read from and the forecast rows are written to (INFLUXDB_* / TIMESTREAM_* as the sinks read them). */
    PFM_SINK: z.enum(SINK_KINDS).default('duckdb'),
    PFM_DATA_DIR: nonEmptyText.default('/tmp/pfm-data'),
    TIMESTREAM_DATABASE: timestreamName.optional(),
    /** The predictions table the history is read from, and the table the forecast rows go to. */
    TIMESTREAM_TABLE: timestreamName.optional(),
    TIMESTREAM_FORECAST_TABLE: timestreamName.optional(),
    /** A Timestream Query endpoint (tests, VPC endpoints); unset, the SDK discovers one. */
    TIMESTREAM_QUERY_ENDPOINT: z.url().optional(),
    /** The table (pk/sk) the due memory is kept in, under its own key: the drift state table in the stack. */
    PFM_FORECAST_STATE_TABLE: dynamoDbTableName.optional(),
    /** Without a table (local use): the due memory's JSON file. */
    PFM_FORECAST_STATE_FILE: nonEmptyText.default('/tmp/pfm-forecast/forecast-due.json'),
    PFM_FORECAST_HORIZON_HOURS: wholeNumberText(1, 72).default(D.horizonMs / HOUR_MS),
    PFM_FORECAST_STEP_MINUTES: wholeNumberText(1, 240).default(D.stepMs / MINUTE_MS),
    PFM_FORECAST_NOTICE_HOURS: wholeNumberText(1, 72).default(D.noticeMs / HOUR_MS),
    PFM_FORECAST_DUE_LEVEL: probabilityText.default(D.dueLevel),
    PFM_FORECAST_RELEASE_LEVEL: probabilityText.default(D.releaseLevel),
    /** Hours of each machine's history read before its latest reading. */
    PFM_FORECAST_HISTORY_HOURS: wholeNumberText(1, 24 * 14).default(24),
  })
  .superRefine((c, ctx) => {
    if (c.PFM_SINK === 'timestream' && c.TIMESTREAM_DATABASE === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['TIMESTREAM_DATABASE'],
        message: 'required when PFM_SINK=timestream',
      });
    }
    if (c.PFM_FORECAST_RELEASE_LEVEL > c.PFM_FORECAST_DUE_LEVEL) {
      ctx.addIssue({
        code: 'custom',
        path: ['PFM_FORECAST_RELEASE_LEVEL'],
        message: 'must not exceed PFM_FORECAST_DUE_LEVEL (the due state is released below it)',
      });
    }
    if (c.PFM_FORECAST_NOTICE_HOURS > c.PFM_FORECAST_HORIZON_HOURS) {
      ctx.addIssue({
        code: 'custom',
        path: ['PFM_FORECAST_NOTICE_HOURS'],
        message: 'must not exceed PFM_FORECAST_HORIZON_HOURS',
      });
    }
  });

export type ForecastConfig = z.infer<typeof forecastEnvSchema>;

/** Reads and validates the scheduled forecast's settings once, naming the variable that is wrong. */
export function readForecastConfig(env: NodeJS.ProcessEnv = process.env): ForecastConfig {
  return parseConfig(forecastEnvSchema, env, 'forecast configuration');
}

/** The forecast settings the configuration asks for, on the defaults; report horizons off the steps or beyond the horizon are dropped. */
export function forecastSettingsFrom(c: ForecastConfig): Partial<ForecastSettings> {
  const horizonMs = c.PFM_FORECAST_HORIZON_HOURS * HOUR_MS;
  const stepMs = c.PFM_FORECAST_STEP_MINUTES * MINUTE_MS;
  return {
    horizonMs,
    stepMs,
    noticeMs: c.PFM_FORECAST_NOTICE_HOURS * HOUR_MS,
    dueLevel: c.PFM_FORECAST_DUE_LEVEL,
    releaseLevel: c.PFM_FORECAST_RELEASE_LEVEL,
    reportHorizonsMs: [
      ...new Set([...D.reportHorizonsMs.filter((h) => h < horizonMs && h % stepMs === 0), horizonMs]),
    ],
  };
}
