import { join } from 'node:path';
import { PfmError } from '../../kernel/errors.js';
import { STORE_FILE } from '../store/constants.js';
import { influxCredentials, readSecretWithPowertools, type SecretReader } from './InfluxCredentials.js';
import { InfluxDbSink } from './InfluxDbSink.js';
import { TimestreamSink } from './TimestreamSink.js';
import { createTimestreamWriteClient } from './timestreamClient.js';
import type { SinkSettings, Sinks } from './types.js';

/**
 * Opens the configured prediction and quarantine sinks: the embedded DuckDB store, Timestream (predictions and
 * quarantine tables of one database) or InfluxDB (measurements `prediction` and `quarantine` of one database).
 * For Timestream the region is resolved now, so a missing AWS_REGION stops start-up rather than the first batch.
 */
export async function createSinks(
  config: { sink: SinkSettings },
  deps: { readSecret?: SecretReader } = {},
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
      // A token from Secrets Manager is read now (an empty secret stops start-up) and again on a 401/403.
      const credentials = await influxCredentials(settings.auth, deps.readSecret ?? readSecretWithPowertools);
      const sink = new InfluxDbSink({
        url: settings.url,
        database: settings.database,
        retentionPolicy: settings.retentionPolicy,
        credentials,
        batchLines: settings.batchLines,
        concurrency: settings.concurrency,
        timeoutMs: settings.timeoutMs,
        retry: settings.retry,
      });
      return { sink, quarantine: sink, close: async () => undefined };
    }
  }
}
