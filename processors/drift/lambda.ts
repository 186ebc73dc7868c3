import { join } from 'node:path';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { PfmError } from '../../kernel/errors.js';
import { createObservability, instrument } from '../../kernel/observability.js';
import { keepAliveHandler } from '../../kernel/sdkClient.js';
import { readInferenceConfig } from '../config.js';
import { EventBridgePublisher } from '../events/EventBridgePublisher.js';
import { WRITE_RETRY_DEFAULTS } from '../inference/handler.js';
import { influxCredentials, readSecretWithPowertools } from '../sinks/InfluxCredentials.js';
import { InfluxDbSink } from '../sinks/InfluxDbSink.js';
import { TimestreamWriter } from '../sinks/TimestreamWriter.js';
import { createTimestreamWriteClient } from '../sinks/timestreamClient.js';
import { STORE_FILE } from '../store/constants.js';
import { loadCalibration, shippedCalibrationPath } from './calibration.js';
import { readDriftConfig } from './config.js';
import { DRIFT_CALIBRATION_FILE, SHARD_RETENTION_MS } from './constants.js';
import { createDriftCore } from './core.js';
import { DynamoDbDriftStateStore } from './DynamoDbDriftStateStore.js';
import { FileDriftStateStore } from './FileDriftStateStore.js';
import { createTumblingWindowHandler, type TumblingWindowHandler } from './handler.js';
import { InfluxDbDriftScoreSink } from './InfluxDbDriftScoreSink.js';
import { MetricsDriftScoreSink } from './MetricsDriftScoreSink.js';
import { modelEngineerFor } from './modelFeatures.js';
import { loadDriftReference } from './reference.js';
import { TimestreamDriftScoreSink } from './TimestreamDriftScoreSink.js';
import type { DriftScoreSink, DriftStateStore, Evaluation } from './types.js';

// Wired once per execution environment. A reference that does not match the model stops the cold start here.
const config = readDriftConfig();
const observability = createObservability('pfm-drift');
const { logger, metrics } = observability;
const reference = loadDriftReference(config.PFM_MODEL_DIR);
// Thresholds from the calibration shipped with the model (or the one configured): never from iid theory, which
// alarms on slowly varying features, and never from the simulator.
const calibrationPath = config.PFM_DRIFT_CALIBRATION ?? shippedCalibrationPath(config.PFM_MODEL_DIR);
if (calibrationPath === undefined) {
  throw new PfmError(
    'CONFIG_INVALID',
    `invalid configuration: PFM_DRIFT_CALIBRATION: not set, and the model has no ${DRIFT_CALIBRATION_FILE} (make one with pfm drift calibrate)`,
  );
}
const calibration = loadCalibration(calibrationPath);
const core = createDriftCore({ reference, engineer: modelEngineerFor(reference), calibration });

async function openScoreSink(): Promise<DriftScoreSink> {
  const metricsSink = new MetricsDriftScoreSink(metrics);
  if (config.PFM_SINK === 'influxdb') {
    // The InfluxDB connection as the sinks read it; the scores go to the predictions' bucket.
    const { sink } = readInferenceConfig(process.env);
    if (sink.kind !== 'influxdb') throw new PfmError('CONFIG_INVALID', 'PFM_SINK: expected influxdb');
    const influx = new InfluxDbDriftScoreSink({
      sink: new InfluxDbSink({
        url: sink.url,
        database: sink.database,
        retentionPolicy: sink.retentionPolicy,
        credentials: await influxCredentials(sink.auth, readSecretWithPowertools),
        timeoutMs: sink.timeoutMs,
        retry: sink.retry,
      }),
      modelName: reference.modelName,
    });
    // The measurement feeds the Grafana drift panels and the agent; the metrics feed CloudWatch alarms.
    return {
      writeDriftScores: async (rows) => {
        await influx.writeDriftScores(rows);
        await metricsSink.writeDriftScores(rows);
      },
    };
  }
  if (config.PFM_SINK === 'timestream') {
    const client = createTimestreamWriteClient();
    try {
      await client.config.region();
    } catch (error) {
      throw new PfmError('CONFIG_INVALID', `invalid configuration: AWS_REGION: ${String(error)}`, {
        cause: error,
      });
    }
    const timestream = new TimestreamDriftScoreSink({
      writer: new TimestreamWriter({ client, database: config.TIMESTREAM_DATABASE as string }),
      table: config.TIMESTREAM_DRIFT_TABLE,
      modelName: reference.modelName,
    });
    // The table feeds the dashboard and the agent; the metrics feed CloudWatch alarms and cost nothing extra.
    return {
      writeDriftScores: async (rows) => {
        await timestream.writeDriftScores(rows);
        await metricsSink.writeDriftScores(rows);
      },
    };
  }
  // Imported on demand: the native DuckDB binding has no business in a Lambda that writes elsewhere.
  const { openDuckDbStore } = await import('../store/openDuckDbStore.js');
  return (await openDuckDbStore(join(config.PFM_DATA_DIR, STORE_FILE))).driftScores;
}

/** DynamoDB when a table is configured (every shard and cold start sees the same state), else a directory. */
function openStateStore(): DriftStateStore {
  if (config.PFM_DRIFT_STATE_TABLE === undefined) return new FileDriftStateStore(config.PFM_DRIFT_STATE_DIR);
  return new DynamoDbDriftStateStore({
    client: new DynamoDBClient({
      requestHandler: keepAliveHandler({
        maxSockets: 8,
        connectionTimeoutMs: 3_000,
        requestTimeoutMs: 10_000,
      }),
    }),
    table: config.PFM_DRIFT_STATE_TABLE,
    leaseMs: config.PFM_DRIFT_LOCK_LEASE_SECONDS * 1000,
  });
}

function record(evaluation: Evaluation): void {
  metrics.addMetric('DriftWindowsEvaluated', MetricUnit.Count, 1);
  metrics.addMetric('DriftEventsPublished', MetricUnit.Count, evaluation.events.length);
  for (const event of evaluation.events) {
    logger.info('drift event', {
      detailType: event.detailType,
      eventId: event.detail.eventId,
      scope: event.detail.scope.id,
    });
  }
}

const handleWindow = createTumblingWindowHandler({
  core,
  store: openStateStore(),
  publisher: new EventBridgePublisher({
    client: new EventBridgeClient({}),
    eventBusName: config.PFM_EVENT_BUS,
  }),
  scoreSink: await openScoreSink(),
  rule: {
    windowRecords: calibration.windowRecords,
    maxSpanMs: config.PFM_DRIFT_WINDOW_MAX_SECONDS * 1000,
    shardRetentionMs: SHARD_RETENTION_MS,
  },
  onEvaluation: record,
  // A store or bus outage is ridden out within the invocation (the lock's lease outlasts the function's timeout).
  writeRetry: WRITE_RETRY_DEFAULTS,
  onOutputGivenUp: ({ attempts, error }) =>
    logger.warn('drift output given up in this invocation; it stays pending for the next one', {
      attempts,
      error: error instanceof Error ? error.message : String(error),
    }),
  onPartial: (outcome) => logger.debug('shard partial folded', { ...outcome }),
});
logger.info('drift monitor ready', {
  model: reference.modelName,
  modelVersion: reference.modelVersion,
  reference: reference.referenceSha256,
});

/** The Lambda entry point (Kinesis event source mapping with a tumbling window). */
export const handler: TumblingWindowHandler = instrument(observability, handleWindow);
