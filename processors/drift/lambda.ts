import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { KinesisStreamStateResponse } from 'aws-lambda';
import { loadCalibration } from './calibration.js';
import { readDriftConfig } from './config.js';
import { createDriftCore } from './core.js';
import { EventBridgePublisher } from './EventBridgePublisher.js';
import { FileDriftStateStore } from './FileDriftStateStore.js';
import { createTumblingWindowHandler, type TumblingWindowEvent } from './handler.js';
import { MetricsDriftScoreSink } from './MetricsDriftScoreSink.js';
import { modelEngineerFor } from './modelFeatures.js';
import { loadDriftReference } from './reference.js';
import type { DriftScoreSink, Evaluation } from './types.js';

// Wired once per execution environment. A reference that does not match the model stops the cold start here.
const config = readDriftConfig();
const logger = new Logger({ serviceName: 'pfm-drift' });
const metrics = new Metrics({ namespace: 'pfm', serviceName: 'pfm-drift' });
const reference = loadDriftReference(config.PFM_MODEL_DIR);
const calibration = config.PFM_DRIFT_CALIBRATION ? loadCalibration(config.PFM_DRIFT_CALIBRATION) : undefined;
if (!calibration)
  logger.warn('no PFM_DRIFT_CALIBRATION: iid thresholds, too strict for slowly varying features');
const core = createDriftCore({
  reference,
  engineer: modelEngineerFor(reference),
  ...(calibration ? { calibration } : {}),
});

async function openScoreSink(): Promise<DriftScoreSink> {
  if (config.PFM_SINK !== 'duckdb') return new MetricsDriftScoreSink(metrics);
  // Imported on demand: the native DuckDB binding has no business in a Lambda that writes elsewhere.
  const { DuckDbStore, STORE_FILE } = await import('../store/DuckDbStore.js');
  return DuckDbStore.open(join(config.PFM_DATA_DIR, STORE_FILE));
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
  store: new FileDriftStateStore(config.PFM_DRIFT_STATE_DIR),
  publisher: new EventBridgePublisher({
    client: new EventBridgeClient({}),
    eventBusName: config.PFM_EVENT_BUS,
  }),
  scoreSink: await openScoreSink(),
  expectedShards: config.PFM_DRIFT_SHARDS,
  onEvaluation: record,
  onWindowPartial: (info) => logger.debug('window partial stored', info),
});
logger.info('drift monitor ready', {
  model: reference.modelName,
  modelVersion: reference.modelVersion,
  reference: reference.referenceSha256,
});

/** The Lambda entry point (Kinesis event source mapping with a tumbling window). */
export const handler = async (event: TumblingWindowEvent): Promise<KinesisStreamStateResponse> => {
  try {
    return await handleWindow(event);
  } finally {
    metrics.publishStoredMetrics();
  }
};
