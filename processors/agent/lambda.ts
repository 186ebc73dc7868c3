import { join } from 'node:path';
import type { BedrockAgentFunctionResponse } from '@aws-lambda-powertools/event-handler/types';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { PfmError } from '../../kernel/errors.js';
import { createObservability, instrument } from '../../kernel/observability.js';
import { EVENT_LOG_FILE } from '../drift/LocalEventLog.js';
import { STORE_FILE } from '../store/constants.js';
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

async function openTools(c: AgentConfig): Promise<AgentTools> {
  switch (c.PFM_SINK) {
    case 'timestream':
      return createAgentTools({
        queries: new TimestreamQueries({
          client: createTimestreamQueryClient(
            c.TIMESTREAM_QUERY_ENDPOINT ? { endpoint: c.TIMESTREAM_QUERY_ENDPOINT } : {},
          ),
          database: c.TIMESTREAM_DATABASE as string,
          tables: {
            ...(c.TIMESTREAM_TABLE ? { predictions: c.TIMESTREAM_TABLE } : {}),
            ...(c.TIMESTREAM_QUARANTINE_TABLE ? { quarantine: c.TIMESTREAM_QUARANTINE_TABLE } : {}),
            ...(c.TIMESTREAM_DRIFT_TABLE ? { drift: c.TIMESTREAM_DRIFT_TABLE } : {}),
          },
        }),
        eventsUnavailableReason:
          'drift events go to EventBridge (the retraining queue and alerts topic); the agent cannot read them back',
        now: Date.now,
      });
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
    case 'influxdb':
      throw new PfmError(
        'CONFIG_INVALID',
        'this deployment stores predictions in InfluxDB; the agent tools query Timestream or the embedded store only',
      );
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
