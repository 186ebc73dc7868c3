import { join } from 'node:path';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { PfmError } from '../../kernel/errors.js';
import { createObservability, instrument } from '../../kernel/observability.js';
import { keepAliveHandler } from '../../kernel/sdkClient.js';
import { readInferenceConfig } from '../config.js';
import { EventBridgePublisher } from '../events/EventBridgePublisher.js';
import { influxCredentials, readSecretWithPowertools } from '../sinks/InfluxCredentials.js';
import { InfluxDbSink } from '../sinks/InfluxDbSink.js';
import { TimestreamWriter } from '../sinks/TimestreamWriter.js';
import { createTimestreamWriteClient } from '../sinks/timestreamClient.js';
import { STORE_FILE } from '../store/constants.js';
import { InfluxQlClient } from '../store/InfluxQlClient.js';
import { createTimestreamQueryClient } from '../store/queries/timestreamQueryClient.js';
import { TimestreamQueries } from '../store/TimestreamQueries.js';
import { forecastSettingsFrom, readForecastConfig } from './config.js';
import { DEFAULT_HISTORY_READINGS } from './constants.js';
import { runForecastCycle } from './cycle.js';
import { DynamoDbDueStateStore } from './DynamoDbDueStateStore.js';
import { FileDueStateStore } from './FileDueStateStore.js';
import { createForecaster } from './forecaster.js';
import { InfluxDbForecastSink, InfluxDbForecastStore } from './InfluxDbForecastStore.js';
import { loadCalibration } from './loadCalibration.js';
import { TimestreamForecastSink, TimestreamForecastStore } from './TimestreamForecastStore.js';
import type { DueStateStore, ForecastSink, HistorySource } from './types.js';

// Wired once per execution environment: the model, the calibration shipped with the forecaster, the store.
const config = readForecastConfig();
const observability = createObservability('pfm-forecast');
const { logger, metrics } = observability;
const calibration = await loadCalibration();

/** Where the history comes from and the forecast rows go, on the configured store. */
async function openStore(): Promise<{ history: HistorySource; sink: ForecastSink | undefined }> {
  switch (config.PFM_SINK) {
    case 'influxdb': {
      // The InfluxDB connection as the sinks read it; the token is read again when InfluxDB refuses it.
      const { sink } = readInferenceConfig(process.env);
      if (sink.kind !== 'influxdb') throw new PfmError('CONFIG_INVALID', 'PFM_SINK: expected influxdb');
      const credentials = await influxCredentials(sink.auth, readSecretWithPowertools);
      const history = new InfluxDbForecastStore(
        new InfluxQlClient({
          url: sink.url,
          database: sink.database,
          retentionPolicy: sink.retentionPolicy,
          credentials,
          timeoutMs: sink.timeoutMs,
        }),
      );
      const rows = new InfluxDbForecastSink({
        writer: new InfluxDbSink({
          url: sink.url,
          database: sink.database,
          retentionPolicy: sink.retentionPolicy,
          credentials,
          timeoutMs: sink.timeoutMs,
          retry: sink.retry,
        }),
        aheadProcesses: calibration.aheadProcesses,
      });
      return { history, sink: rows };
    }
    case 'timestream': {
      const database = config.TIMESTREAM_DATABASE as string;
      const queries = new TimestreamQueries({
        client: createTimestreamQueryClient(
          config.TIMESTREAM_QUERY_ENDPOINT ? { endpoint: config.TIMESTREAM_QUERY_ENDPOINT } : {},
        ),
        database,
      });
      const history = new TimestreamForecastStore({
        queries,
        database,
        ...(config.TIMESTREAM_TABLE ? { predictionsTable: config.TIMESTREAM_TABLE } : {}),
      });
      const rows = new TimestreamForecastSink({
        writer: new TimestreamWriter({ client: createTimestreamWriteClient(), database }),
        ...(config.TIMESTREAM_FORECAST_TABLE ? { table: config.TIMESTREAM_FORECAST_TABLE } : {}),
        aheadProcesses: calibration.aheadProcesses,
      });
      return { history, sink: rows };
    }
    case 'duckdb': {
      // Imported on demand: the native DuckDB binding has no business in a Lambda that reads InfluxDB. The embedded
      // store keeps no forecast rows: the local dashboard and CLI compute the forecast when asked.
      const { openDuckDbStore } = await import('../store/openDuckDbStore.js');
      const { DuckDbHistorySource } = await import('./DuckDbHistorySource.js');
      const store = await openDuckDbStore(join(config.PFM_DATA_DIR, STORE_FILE), { readOnly: true });
      return { history: new DuckDbHistorySource(store.database), sink: undefined };
    }
  }
}

/** DynamoDB when a table is configured (every run and cold start sees the same memory), else a file. */
function openMemory(): DueStateStore {
  if (config.PFM_FORECAST_STATE_TABLE === undefined)
    return new FileDueStateStore(config.PFM_FORECAST_STATE_FILE);
  return new DynamoDbDueStateStore({
    client: new DynamoDBClient({
      requestHandler: keepAliveHandler({
        maxSockets: 4,
        connectionTimeoutMs: 3_000,
        requestTimeoutMs: 10_000,
      }),
    }),
    table: config.PFM_FORECAST_STATE_TABLE,
  });
}

const store = await openStore();
const forecaster = createForecaster(store.history, {
  ...(config.PFM_MODEL_DIR ? { artifactsDir: config.PFM_MODEL_DIR } : {}),
  settings: forecastSettingsFrom(config),
  history: {
    historyMs: config.PFM_FORECAST_HISTORY_HOURS * 3_600_000,
    maxReadings: DEFAULT_HISTORY_READINGS,
  },
});
const memory = openMemory();
const publisher = new EventBridgePublisher({
  client: new EventBridgeClient({}),
  eventBusName: config.PFM_EVENT_BUS,
});

/** What one scheduled run did (the invocation's result; the same figures go to the log and the metrics). */
export interface ForecastRunResult {
  generatedAt: string | null;
  machines: number;
  forecast: number;
  notEnoughData: number;
  due: string[];
  maintenanceDueEvents: string[];
}

async function run(): Promise<ForecastRunResult> {
  const summary = await runForecastCycle({
    forecaster: { latestForecast: () => forecaster.freshForecast() },
    sink: store.sink,
    memory,
    publisher,
  });
  metrics.addMetric('MachinesForecast', MetricUnit.Count, summary.forecastOk);
  metrics.addMetric('MachinesDue', MetricUnit.Count, summary.due.length);
  metrics.addMetric('MaintenanceDueEvents', MetricUnit.Count, summary.events.length);
  for (const event of summary.events) {
    logger.info('maintenance due', {
      eventId: event.detail.eventId,
      deviceId: event.detail.deviceId,
      dueAt: event.detail.dueAt,
      leadingMode: event.detail.leadingMode,
      action: event.detail.recommendation?.action,
    });
  }
  const result: ForecastRunResult = {
    generatedAt: summary.forecast === null ? null : new Date(summary.forecast.generatedAt).toISOString(),
    machines: summary.machines,
    forecast: summary.forecastOk,
    notEnoughData: summary.notEnoughData,
    due: summary.due,
    maintenanceDueEvents: summary.events.map((e) => e.detail.eventId),
  };
  logger.info('forecast run', { ...result, due: result.due.length });
  return result;
}

/** The Lambda entry point (an EventBridge Scheduler schedule; its input is not needed). */
export const handler: (event: unknown) => Promise<ForecastRunResult> = instrument(observability, () => run());
