import { z } from 'zod';
import { nonEmptyText, parseConfig, wholeNumberText } from '../kernel/configSchema.js';
import { PREDICTION_SERIES, QUARANTINE_SERIES, SINK_DEFAULTS, timestreamName } from './sinks/constants.js';
import { sinkRetrySettings } from './sinks/retrySettings.js';
import { type InfluxAuth, SINK_KINDS, type SinkSettings } from './sinks/types.js';

export { SINK_KINDS };

const httpUrl = nonEmptyText.refine((value) => {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.search === '' && url.hash === '';
  } catch {
    return false;
  }
}, 'must be an http(s) URL without query or fragment, e.g. https://host:8086');

const inferenceEnvSchema = z
  .object({
    PFM_SINK: z.enum(SINK_KINDS).default('duckdb'),
    PFM_DATA_DIR: nonEmptyText.default('/tmp/pfm-data'),
    PFM_MODEL_DIR: nonEmptyText.optional(),
    PFM_SINK_CONCURRENCY: wholeNumberText(1, 64).optional(),
    PFM_SINK_MAX_ATTEMPTS: wholeNumberText(1, 20).optional(),
    TIMESTREAM_DATABASE: timestreamName.optional(),
    TIMESTREAM_TABLE: timestreamName.optional(),
    TIMESTREAM_QUARANTINE_TABLE: timestreamName.optional(),
    INFLUXDB_URL: httpUrl.optional(),
    INFLUXDB_DATABASE: nonEmptyText.optional(),
    INFLUXDB_RETENTION_POLICY: nonEmptyText.optional(),
    INFLUXDB_TOKEN: nonEmptyText.optional(),
    INFLUXDB_TOKEN_SECRET_ARN: nonEmptyText.optional(),
    INFLUXDB_USERNAME: nonEmptyText.optional(),
    INFLUXDB_PASSWORD: nonEmptyText.optional(),
    INFLUXDB_BATCH_LINES: wholeNumberText(1, 100_000).optional(),
    INFLUXDB_TIMEOUT_MS: wholeNumberText(100, 300_000).optional(),
  })
  .superRefine((env, ctx) => {
    const require = (name: keyof typeof env): void => {
      if (env[name] === undefined)
        ctx.addIssue({ code: 'custom', path: [name], message: `required when PFM_SINK=${env.PFM_SINK}` });
    };
    if (env.PFM_SINK === 'timestream') {
      require('TIMESTREAM_DATABASE');
      if (env.TIMESTREAM_TABLE !== undefined && env.TIMESTREAM_TABLE === env.TIMESTREAM_QUARANTINE_TABLE) {
        ctx.addIssue({
          code: 'custom',
          path: ['TIMESTREAM_QUARANTINE_TABLE'],
          message: 'must differ from TIMESTREAM_TABLE',
        });
      }
    }
    if (env.PFM_SINK === 'influxdb') {
      require('INFLUXDB_URL');
      require('INFLUXDB_DATABASE');
      const ways = [
        env.INFLUXDB_TOKEN !== undefined,
        env.INFLUXDB_TOKEN_SECRET_ARN !== undefined,
        (env.INFLUXDB_USERNAME ?? env.INFLUXDB_PASSWORD) !== undefined,
      ].filter(Boolean).length;
      if (ways > 1) {
        ctx.addIssue({
          code: 'custom',
          path: [env.INFLUXDB_TOKEN !== undefined ? 'INFLUXDB_TOKEN' : 'INFLUXDB_TOKEN_SECRET_ARN'],
          message:
            'set one of INFLUXDB_TOKEN, INFLUXDB_TOKEN_SECRET_ARN or INFLUXDB_USERNAME/INFLUXDB_PASSWORD, not several',
        });
      }
      if ((env.INFLUXDB_USERNAME === undefined) !== (env.INFLUXDB_PASSWORD === undefined)) {
        const missing = env.INFLUXDB_USERNAME === undefined ? 'INFLUXDB_USERNAME' : 'INFLUXDB_PASSWORD';
        ctx.addIssue({
          code: 'custom',
          path: [missing],
          message: 'INFLUXDB_USERNAME and INFLUXDB_PASSWORD go together',
        });
      }
    }
  });

type InferenceEnv = z.infer<typeof inferenceEnvSchema>;

/** The inference processor's settings: the variables it reads, and the sink they describe. */
export interface InferenceConfig {
  PFM_SINK: InferenceEnv['PFM_SINK'];
  PFM_DATA_DIR: string;
  PFM_MODEL_DIR: string | undefined;
  sink: SinkSettings;
}

/** Reads and validates the inference processor's settings once, naming the variable that is wrong. */
export function readInferenceConfig(env: NodeJS.ProcessEnv = process.env): InferenceConfig {
  const e = parseConfig(inferenceEnvSchema, env, 'configuration');
  return {
    PFM_SINK: e.PFM_SINK,
    PFM_DATA_DIR: e.PFM_DATA_DIR,
    PFM_MODEL_DIR: e.PFM_MODEL_DIR,
    sink: sinkSettings(e),
  };
}

function sinkSettings(e: InferenceEnv): SinkSettings {
  const concurrency = e.PFM_SINK_CONCURRENCY ?? SINK_DEFAULTS.concurrency;
  const retry = sinkRetrySettings({ maxAttempts: e.PFM_SINK_MAX_ATTEMPTS });
  switch (e.PFM_SINK) {
    case 'duckdb':
      return { kind: 'duckdb', dataDir: e.PFM_DATA_DIR };
    case 'timestream':
      return {
        kind: 'timestream',
        database: e.TIMESTREAM_DATABASE as string,
        table: e.TIMESTREAM_TABLE ?? PREDICTION_SERIES.timestreamTable,
        quarantineTable: e.TIMESTREAM_QUARANTINE_TABLE ?? QUARANTINE_SERIES.timestreamTable,
        concurrency,
        retry,
      };
    case 'influxdb': {
      let auth: InfluxAuth = { kind: 'none' };
      if (e.INFLUXDB_TOKEN !== undefined) auth = { kind: 'token', token: e.INFLUXDB_TOKEN };
      else if (e.INFLUXDB_TOKEN_SECRET_ARN !== undefined) {
        auth = { kind: 'tokenSecret', secretId: e.INFLUXDB_TOKEN_SECRET_ARN };
      } else if (e.INFLUXDB_USERNAME !== undefined && e.INFLUXDB_PASSWORD !== undefined) {
        auth = { kind: 'password', username: e.INFLUXDB_USERNAME, password: e.INFLUXDB_PASSWORD };
      }
      return {
        kind: 'influxdb',
        url: e.INFLUXDB_URL as string,
        database: e.INFLUXDB_DATABASE as string,
        retentionPolicy: e.INFLUXDB_RETENTION_POLICY,
        auth,
        batchLines: e.INFLUXDB_BATCH_LINES ?? SINK_DEFAULTS.influxBatchLines,
        concurrency,
        timeoutMs: e.INFLUXDB_TIMEOUT_MS ?? SINK_DEFAULTS.influxTimeoutMs,
        retry,
      };
    }
  }
}
