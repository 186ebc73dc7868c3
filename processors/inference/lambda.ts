import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { createObservability, instrument } from '../../kernel/observability.js';
import { loadModelArtifacts } from '../../model/artifacts.js';
import { OnnxScorer } from '../../model/OnnxScorer.js';
import { decodeReading } from '../../schemas/codec/readingCodec.js';
import { readInferenceConfig } from '../config.js';
import { createSinks } from '../sinks/createSinks.js';
import { createInferenceCore } from './core.js';
import { createHandler, type InvocationContext, WRITE_RETRY_DEFAULTS } from './handler.js';
import type { BatchOutcome } from './types.js';

// Wired once per execution environment: configuration, model session and sink are reused by every invocation.
const config = readInferenceConfig();
const observability = createObservability('pfm-inference');
const { logger, metrics } = observability;
const artifacts = await loadModelArtifacts(config.PFM_MODEL_DIR);
const scorer = await OnnxScorer.create(artifacts);
// The sink named by PFM_SINK (duckdb | timestream | influxdb); a bad setting has already stopped start-up.
const sinks = await createSinks(config);
logger.info('inference processor ready', {
  model: artifacts.modelName,
  modelVersion: artifacts.modelVersion,
  sink: config.PFM_SINK,
});

function record(outcome: BatchOutcome): void {
  metrics.addMetric('RecordsReceived', MetricUnit.Count, outcome.received);
  metrics.addMetric('RecordsScored', MetricUnit.Count, outcome.predictions.length);
  metrics.addMetric('RecordsQuarantined', MetricUnit.Count, outcome.quarantined.length);
  metrics.addMetric(
    'PredictedFailures',
    MetricUnit.Count,
    outcome.predictions.filter((p) => p.failure).length,
  );
  for (const q of outcome.quarantined) {
    logger.warn('record quarantined', {
      eventId: q.source.eventId,
      stage: q.stage,
      code: q.code,
      reason: q.reason,
    });
  }
}

const process = createHandler({
  core: createInferenceCore({ decode: decodeReading, scorer, model: artifacts, now: Date.now }),
  sink: sinks.sink,
  quarantine: sinks.quarantine,
  onOutcome: record,
  writeRetry: WRITE_RETRY_DEFAULTS,
  onWriteGivenUp: ({ attempts, error }) =>
    logger.warn('store refused the batch for this invocation; the event source will retry it', {
      attempts,
      error: error instanceof Error ? error.message : String(error),
    }),
});

/** The Lambda entry point (Kinesis event source mapping with ReportBatchItemFailures). */
export const handler: (
  event: KinesisStreamEvent,
  context?: InvocationContext,
) => Promise<KinesisStreamBatchResponse> = instrument(observability, process);
