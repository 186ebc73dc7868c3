import { describe, expect, it } from 'vitest';
import { PfmError } from '../../../kernel/errors.js';
import { readInferenceConfig } from '../../../processors/config.js';

const TIMESTREAM = { PFM_SINK: 'timestream', TIMESTREAM_DATABASE: 'pfm' };
const INFLUX = {
  PFM_SINK: 'influxdb',
  INFLUXDB_URL: 'https://influx.example:8086',
  INFLUXDB_DATABASE: 'pfm',
};

describe('readInferenceConfig: sink settings', () => {
  it('defaults to the embedded DuckDB store', () => {
    expect(readInferenceConfig({})).toEqual({
      PFM_SINK: 'duckdb',
      PFM_DATA_DIR: '/tmp/pfm-data',
      PFM_MODEL_DIR: undefined,
      sink: { kind: 'duckdb', dataDir: '/tmp/pfm-data' },
    });
  });

  it('reads Timestream settings with their defaults', () => {
    expect(readInferenceConfig(TIMESTREAM).sink).toEqual({
      kind: 'timestream',
      database: 'pfm',
      table: 'predictions',
      quarantineTable: 'quarantine',
      concurrency: 4,
      retry: { maxAttempts: 6, baseDelayMs: 50, maxDelayMs: 5_000 },
    });
    expect(
      readInferenceConfig({
        ...TIMESTREAM,
        TIMESTREAM_TABLE: 'preds_v2',
        PFM_SINK_CONCURRENCY: '8',
        PFM_SINK_MAX_ATTEMPTS: '3',
      }).sink,
    ).toMatchObject({ table: 'preds_v2', concurrency: 8, retry: { maxAttempts: 3 } });
  });

  it.each([
    [{}, { kind: 'none' }],
    [{ INFLUXDB_TOKEN: 'tok' }, { kind: 'token', token: 'tok' }],
    [
      { INFLUXDB_USERNAME: 'ann', INFLUXDB_PASSWORD: 'pw' },
      { kind: 'password', username: 'ann', password: 'pw' },
    ],
  ])('reads InfluxDB settings, auth %o', (extra, auth) => {
    expect(readInferenceConfig({ ...INFLUX, ...extra }).sink).toEqual({
      kind: 'influxdb',
      url: 'https://influx.example:8086',
      database: 'pfm',
      retentionPolicy: undefined,
      auth,
      batchLines: 5_000,
      concurrency: 4,
      timeoutMs: 10_000,
      retry: { maxAttempts: 6, baseDelayMs: 50, maxDelayMs: 5_000 },
    });
  });

  it.each<[string, NodeJS.ProcessEnv, RegExp]>([
    ['an unknown sink', { PFM_SINK: 'kafka' }, /PFM_SINK: Invalid option/],
    [
      'timestream without a database',
      { ...TIMESTREAM, TIMESTREAM_DATABASE: undefined },
      /TIMESTREAM_DATABASE: required when PFM_SINK=timestream/,
    ],
    [
      'a table name with a space',
      { ...TIMESTREAM, TIMESTREAM_TABLE: 'my table' },
      /TIMESTREAM_TABLE: must be 3-256 characters/,
    ],
    [
      'a too short database name',
      { ...TIMESTREAM, TIMESTREAM_DATABASE: 'db' },
      /TIMESTREAM_DATABASE: must be 3-256/,
    ],
    [
      'one table for both',
      { ...TIMESTREAM, TIMESTREAM_TABLE: 'same', TIMESTREAM_QUARANTINE_TABLE: 'same' },
      /TIMESTREAM_QUARANTINE_TABLE: must differ/,
    ],
    ['concurrency 0', { ...TIMESTREAM, PFM_SINK_CONCURRENCY: '0' }, /PFM_SINK_CONCURRENCY: Too small/],
    [
      'concurrency 1e3',
      { ...TIMESTREAM, PFM_SINK_CONCURRENCY: '1e3' },
      /PFM_SINK_CONCURRENCY: must be a whole number/,
    ],
    [
      'influxdb without a URL',
      { ...INFLUX, INFLUXDB_URL: undefined },
      /INFLUXDB_URL: required when PFM_SINK=influxdb/,
    ],
    [
      'influxdb without a database',
      { ...INFLUX, INFLUXDB_DATABASE: undefined },
      /INFLUXDB_DATABASE: required when PFM_SINK=influxdb/,
    ],
    [
      'a URL that is not http(s)',
      { ...INFLUX, INFLUXDB_URL: 'ftp://influx:8086' },
      /INFLUXDB_URL: must be an http\(s\) URL/,
    ],
    [
      'a URL with a query',
      { ...INFLUX, INFLUXDB_URL: 'http://influx:8086/?db=x' },
      /INFLUXDB_URL: must be an http\(s\) URL/,
    ],
    [
      'a token and a user',
      { ...INFLUX, INFLUXDB_TOKEN: 't', INFLUXDB_USERNAME: 'u', INFLUXDB_PASSWORD: 'p' },
      /INFLUXDB_TOKEN: set one of INFLUXDB_TOKEN, INFLUXDB_TOKEN_SECRET_ARN or INFLUXDB_USERNAME/,
    ],
    [
      'a user without a password',
      { ...INFLUX, INFLUXDB_USERNAME: 'u' },
      /INFLUXDB_PASSWORD: INFLUXDB_USERNAME and INFLUXDB_PASSWORD go together/,
    ],
    [
      'a password without a user',
      { ...INFLUX, INFLUXDB_PASSWORD: 'p' },
      /INFLUXDB_USERNAME: INFLUXDB_USERNAME and/,
    ],
    ['an empty token', { ...INFLUX, INFLUXDB_TOKEN: ' ' }, /INFLUXDB_TOKEN: must not be empty/],
    ['a batch size of 0', { ...INFLUX, INFLUXDB_BATCH_LINES: '0' }, /INFLUXDB_BATCH_LINES: Too small/],
  ])('stops on %s, naming the variable', (_, env, message) => {
    let error: unknown;
    try {
      readInferenceConfig(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PfmError);
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', retryable: false });
    expect((error as Error).message).toMatch(message);
  });
});
