import { join } from 'node:path';
import { PfmError } from '../errors.js';
import { InfluxDbSink } from './InfluxDbSink.js';
import { TimestreamSink } from './TimestreamSink.js';
import { createTimestreamWriteClient } from './timestreamClient.js';
import type { SinkSettings, Sinks } from './types.js';

/**
 * Opens the configured prediction and quarantine sinks: the embedded DuckDB store, Timestream (predictions and
 * quarantine tables of one database) or InfluxDB (measurements `prediction` and `quarantine` of one database).
 * For Timestream the region is resolved now, so a missing AWS_REGION stops start-up rather than the first batch.
 */
export async function createSinks(config: { sink: SinkSettings }): Promise<Sinks> {
  const settings = config.sink;
  switch (settings.kind) {
    case 'duckdb': {
      // Imported on demand: the native DuckDB binding has no business in a Lambda that writes to Timestream.
      const { DuckDbStore, STORE_FILE } = await import('../store/DuckDbStore.js');
      const store = await DuckDbStore.open(join(settings.dataDir, STORE_FILE));
      return { sink: store, quarantine: store, close: () => store.close() };
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
        modelSequence: settings.modelSequence,
        concurrency: settings.concurrency,
        retry: settings.retry,
      });
      return { sink, quarantine: sink, close: async () => client.destroy() };
    }
    case 'influxdb': {
      const sink = new InfluxDbSink({
        url: settings.url,
        database: settings.database,
        retentionPolicy: settings.retentionPolicy,
        auth: settings.auth,
        batchLines: settings.batchLines,
        concurrency: settings.concurrency,
        timeoutMs: settings.timeoutMs,
        retry: settings.retry,
      });
      return { sink, quarantine: sink, close: async () => undefined };
    }
  }
}
