import { join } from 'node:path';
import type { BedrockAgentFunctionResponse } from '@aws-lambda-powertools/event-handler/types';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { PfmError } from '../../kernel/errors.js';
import { createObservability, instrument } from '../../kernel/observability.js';
import { readInferenceConfig } from '../config.js';
import { EVENT_LOG_FILE } from '../events/LocalEventLog.js';
import { InfluxDbForecastStore } from '../forecast/InfluxDbForecastStore.js';
import { TimestreamForecastStore } from '../forecast/TimestreamForecastStore.js';
import { influxCredentials, readSecretWithPowertools } from '../sinks/InfluxCredentials.js';
import { STORE_FILE } from '../store/constants.js';
import { InfluxDbPeriodQueries } from '../store/InfluxDbPeriodQueries.js';
import { InfluxQlClient } from '../store/InfluxQlClient.js';
import { createTimestreamQueryClient } from '../store/queries/timestreamQueryClient.js';
import { TimestreamQueries } from '../store/TimestreamQueries.js';
import { type AgentConfig, readAgentConfig } from './config.js';
import { type AgentTools, createAgentTools } from './core.js';
import { createActionGroupHandler } from './handler.js';
import { LocalEventHistory } from './LocalEventHistory.js';

// Wired once per execution environment; the store is opened on the first call (see ActionGroupDeps.tools).
const config = readAgentConfig();
const observability = createObservability('pfm-agent');
const { logger, metrics } = observability;

const EVENTS_ON_EVENTBRIDGE =
  'drift events go to EventBridge (the retraining queue and alerts topic); the agent cannot read them back';

/** The InfluxDB connection as the sinks read it (INFLUXDB_URL, INFLUXDB_DATABASE, the token or its secret). */
async function influxClient(): Promise<InfluxQlClient> {
  const { sink } = readInferenceConfig(process.env);
  if (sink.kind !== 'influxdb') throw new PfmError('CONFIG_INVALID', 'PFM_SINK: expected influxdb');
  // A token from Secrets Manager is read again when InfluxDB refuses it (a rotated token).
  const credentials = await influxCredentials(sink.auth, readSecretWithPowertools);
  return new InfluxQlClient({
    url: sink.url,
    database: sink.database,
    retentionPolicy: sink.retentionPolicy,
    credentials,
    timeoutMs: sink.timeoutMs,
  });
}

async function openTools(c: AgentConfig): Promise<AgentTools> {
  switch (c.PFM_SINK) {
    case 'influxdb': {
      const client = await influxClient();
      return createAgentTools({
        queries: new InfluxDbPeriodQueries(client),
        // The scheduled forecast's latest run (measurement `forecasts` of the same bucket).
        forecasts: new InfluxDbForecastStore(client),
        eventsUnavailableReason: EVENTS_ON_EVENTBRIDGE,
        now: Date.now,
      });
    }
    case 'timestream': {
      const queries = new TimestreamQueries({
        client: createTimestreamQueryClient(
          c.TIMESTREAM_QUERY_ENDPOINT ? { endpoint: c.TIMESTREAM_QUERY_ENDPOINT } : {},
        ),
        database: c.TIMESTREAM_DATABASE as string,
        tables: {
          ...(c.TIMESTREAM_TABLE ? { predictions: c.TIMESTREAM_TABLE } : {}),
          ...(c.TIMESTREAM_QUARANTINE_TABLE ? { quarantine: c.TIMESTREAM_QUARANTINE_TABLE } : {}),
          ...(c.TIMESTREAM_DRIFT_TABLE ? { drift: c.TIMESTREAM_DRIFT_TABLE } : {}),
        },
      });
      return createAgentTools({
        queries,
        // The scheduled forecast's latest run (table `forecasts` of the same database).
        forecasts: new TimestreamForecastStore({
          queries,
          database: c.TIMESTREAM_DATABASE as string,
          ...(c.TIMESTREAM_TABLE ? { predictionsTable: c.TIMESTREAM_TABLE } : {}),
          ...(c.TIMESTREAM_FORECAST_TABLE ? { forecastTable: c.TIMESTREAM_FORECAST_TABLE } : {}),
        }),
        eventsUnavailableReason: EVENTS_ON_EVENTBRIDGE,
        now: Date.now,
      });
    }
    case 'duckdb': {
      // Imported on demand: the native DuckDB binding has no business in a Lambda that reads Timestream.
      const { openDuckDbStore } = await import('../store/openDuckDbStore.js');
      const store = await openDuckDbStore(join(c.PFM_DATA_DIR, STORE_FILE), { readOnly: true });
      return createAgentTools({
        queries: store.periodQueries,
        events: new LocalEventHistory(join(c.PFM_DATA_DIR, EVENT_LOG_FILE)),
        now: Date.now,
      });
    }
  }
}

let tools: Promise<AgentTools> | undefined;
const handle = createActionGroupHandler({
  tools: () => {
    tools ??= openTools(config).catch((error: unknown) => {
      tools = undefined; // a transient failure (throttled, a cold volume) may pass on the next call
      throw error;
    });
    return tools;
  },
  logger,
  onToolCall: ({ tool, ok }) => {
    metrics.addDimension('tool', tool);
    metrics.addMetric(ok ? 'AgentToolCalls' : 'AgentToolErrors', MetricUnit.Count, 1);
  },
});

/** The Lambda entry point of the Bedrock agent's action group. */
export const handler: (event: unknown, context: Context) => Promise<BedrockAgentFunctionResponse> =
  instrument(observability, handle);
