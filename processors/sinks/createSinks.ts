import { join } from 'node:path';
import { PfmError } from '../../kernel/errors.js';
import { STORE_FILE } from '../store/constants.js';
import { InfluxDbSink } from './InfluxDbSink.js';
import { TimestreamSink } from './TimestreamSink.js';
import { createTimestreamWriteClient } from './timestreamClient.js';
import type { InfluxAuth, ResolvedInfluxAuth, SinkSettings, Sinks } from './types.js';

/**
 * Opens the configured prediction and quarantine sinks: the embedded DuckDB store, Timestream (predictions and
 * quarantine tables of one database) or InfluxDB (measurements `prediction` and `quarantine` of one database).
 * For Timestream the region is resolved now, so a missing AWS_REGION stops start-up rather than the first batch.
 */
export async function createSinks(
  config: { sink: SinkSettings },
  deps: { readSecret?: (secretId: string) => Promise<string | undefined> } = {},
): Promise<Sinks> {
  const settings = config.sink;
  switch (settings.kind) {
    case 'duckdb': {
      // Imported on demand: the native DuckDB binding has no business in a Lambda that writes to Timestream.
      const { openDuckDbStore } = await import('../store/openDuckDbStore.js');
      const store = await openDuckDbStore(join(settings.dataDir, STORE_FILE));
      return { sink: store.predictionSink, quarantine: store.quarantineSink, close: () => store.close() };
    }
    case 'timestream': {
      const client = createTimestreamWriteClient({ maxSockets: settings.concurrency * 2 });
      try {
        await client.config.region();
      } catch (error) {
        client.destroy();
        const reason = error instanceof Error ? error.message : String(error);
        throw new PfmError('CONFIG_INVALID', `invalid configuration: AWS_REGION: ${reason}`, {
          cause: error,
        });
      }
      const sink = new TimestreamSink({
        client,
        database: settings.database,
        table: settings.table,
        quarantineTable: settings.quarantineTable,
        concurrency: settings.concurrency,
        retry: settings.retry,
      });
      return { sink, quarantine: sink, close: async () => client.destroy() };
    }
    case 'influxdb': {
      const auth = await resolveInfluxAuth(settings.auth, deps.readSecret ?? readSecretWithPowertools);
      const sink = new InfluxDbSink({
        url: settings.url,
        database: settings.database,
        retentionPolicy: settings.retentionPolicy,
        auth,
        batchLines: settings.batchLines,
        concurrency: settings.concurrency,
        timeoutMs: settings.timeoutMs,
        retry: settings.retry,
      });
      return { sink, quarantine: sink, close: async () => undefined };
    }
  }
}

/** A token kept in Secrets Manager is fetched once, at start-up; a missing or empty secret stops start-up. */
async function resolveInfluxAuth(
  auth: InfluxAuth,
  readSecret: (secretId: string) => Promise<string | undefined>,
): Promise<ResolvedInfluxAuth> {
  if (auth.kind !== 'tokenSecret') return auth;
  let token: string | undefined;
  try {
    token = await readSecret(auth.secretId);
  } catch (error) {
    throw new PfmError(
      'CONFIG_INVALID',
      `INFLUXDB_TOKEN_SECRET_ARN: cannot read ${auth.secretId}: ${String(error)}`,
      {
        cause: error,
      },
    );
  }
  if (!token?.trim()) {
    throw new PfmError(
      'CONFIG_INVALID',
      `INFLUXDB_TOKEN_SECRET_ARN: secret ${auth.secretId} is empty; store the InfluxDB API token in it`,
    );
  }
  return { kind: 'token', token: token.trim() };
}

async function readSecretWithPowertools(secretId: string): Promise<string | undefined> {
  // Powertools Parameters caches the value and uses the function role; imported on demand, Lambda only.
  const { getSecret } = await import('@aws-lambda-powertools/parameters/secrets');
  const value = await getSecret(secretId);
  return typeof value === 'string'
    ? value
    : value === undefined
      ? undefined
      : Buffer.from(value).toString('utf8');
}
