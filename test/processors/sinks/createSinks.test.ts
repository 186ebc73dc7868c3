import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readInferenceConfig } from '../../../processors/config.js';
import { createSinks } from '../../../processors/sinks/createSinks.js';
import { TimestreamSink } from '../../../processors/sinks/TimestreamSink.js';
import { STORE_FILE } from '../../../processors/store/constants.js';
import { DuckDbPredictionSink } from '../../../processors/store/DuckDbPredictionSink.js';
import { DuckDbQuarantineSink } from '../../../processors/store/DuckDbQuarantineSink.js';
import { openDuckDbStore } from '../../../processors/store/openDuckDbStore.js';
import { TimestreamStandIn } from '../../helpers/timestreamStandIn.js';
import { fleetPredictions, quarantineRow } from './rows.js';

// The SDK reads its endpoint, region and credentials from the environment; each test sets what it needs.
const SDK_VARIABLES = [
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_TIMESTREAM_WRITE',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_PROFILE',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
] as const;
const saved = Object.fromEntries(SDK_VARIABLES.map((name) => [name, process.env[name]]));
function isolateSdkEnvironment(values: Partial<Record<(typeof SDK_VARIABLES)[number], string>>): void {
  for (const name of SDK_VARIABLES) delete process.env[name];
  process.env.AWS_CONFIG_FILE = '/nonexistent/aws-config';
  process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/aws-credentials';
  Object.assign(process.env, values);
}
afterEach(() => {
  for (const name of SDK_VARIABLES) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

let standIn: TimestreamStandIn;
beforeAll(async () => {
  standIn = await TimestreamStandIn.start({ tables: ['pfm.preds', 'pfm.rejects'] });
});
afterAll(async () => {
  await standIn.stop();
});

describe('createSinks', () => {
  it('opens the DuckDB store by default', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pfm-sinks-'));
    try {
      const sinks = await createSinks(readInferenceConfig({ PFM_DATA_DIR: dir }));
      expect(sinks.sink).toBeInstanceOf(DuckDbPredictionSink);
      expect(sinks.quarantine).toBeInstanceOf(DuckDbQuarantineSink);
      await sinks.sink.writePredictions(fleetPredictions(20));
      await sinks.quarantine.quarantine([quarantineRow(1)]);
      await sinks.close();
      // Both sinks wrote to the one store file in the data directory, and close flushed it.
      const store = await openDuckDbStore(join(dir, STORE_FILE), { readOnly: true });
      expect(await store.fleetQueries.counts()).toMatchObject({ predictions: 20, quarantined: 1 });
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('builds a TimestreamSink whose endpoint comes from AWS_ENDPOINT_URL_TIMESTREAM_WRITE, read by the SDK', async () => {
    standIn.reset();
    isolateSdkEnvironment({
      AWS_ENDPOINT_URL_TIMESTREAM_WRITE: standIn.endpoint,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIDSTANDIN',
      AWS_SECRET_ACCESS_KEY: 'stand-in',
    });
    const config = readInferenceConfig({
      PFM_SINK: 'timestream',
      TIMESTREAM_DATABASE: 'pfm',
      TIMESTREAM_TABLE: 'preds',
      TIMESTREAM_QUARANTINE_TABLE: 'rejects',
    });
    const sinks = await createSinks(config);
    try {
      expect(sinks.sink).toBeInstanceOf(TimestreamSink);
      expect((await sinks.sink.writePredictions(fleetPredictions(250))).rejected).toEqual([]);
      await sinks.quarantine.quarantine([quarantineRow(1)]);
    } finally {
      await sinks.close();
    }
    // One claim and one prediction per reading, the prediction versioned by the rows' model sequence.
    const predictions = standIn.records('pfm', 'preds').filter((r) => r.measureName === 'prediction');
    expect(predictions).toHaveLength(250);
    expect(predictions.every((r) => r.version === 1)).toBe(true);
    expect(standIn.records('pfm', 'rejects')).toHaveLength(1);
    // An endpoint from the environment (unlike one passed as `endpoint`) still goes through endpoint discovery.
    expect(standIn.calls[0]?.target).toBe('Timestream_20181101.DescribeEndpoints');
    expect(standIn.writeCalls.map((c) => c.records)).toEqual(
      expect.arrayContaining([100, 100, 50, 100, 100, 50, 1]),
    );
  });

  it('stops start-up when no AWS region can be found, naming AWS_REGION', async () => {
    isolateSdkEnvironment({});
    const config = readInferenceConfig({
      PFM_SINK: 'timestream',
      TIMESTREAM_DATABASE: 'pfm',
    });
    await expect(createSinks(config)).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(/^invalid configuration: AWS_REGION: /),
    });
  });
});
