import type { EventSourceRunnerOptions } from '../../stream/runner/EventSourceRunner.js';

type EventSourceSettings = Required<
  Pick<
    EventSourceRunnerOptions,
    'bisectBatchOnFunctionError' | 'reportBatchItemFailures' | 'maxRetryAttempts' | 'maxRecordAgeSeconds'
  >
>;

/**
 * The inference function's event source mapping as the stack deploys it (infra/constructs/StreamProcessor.ts: bisect
 * on error and ReportBatchItemFailures; infra/config.ts's STREAM_RETRY_DEFAULTS: 500 retries, 24 h of record age,
 * test/app/pipeline/eventSourceSettings.test.ts keeps them equal): the local runs use the same, so a failing batch
 * splits, retries and is given up on locally as it would be in AWS.
 */
export const INFERENCE_EVENT_SOURCE: EventSourceSettings = {
  bisectBatchOnFunctionError: true,
  reportBatchItemFailures: true,
  maxRetryAttempts: 500,
  maxRecordAgeSeconds: 86_400,
};

/**
 * The drift monitor's mapping, locally: split and partial responses as in the stack, but a failing batch is retried
 * until it succeeds and no record is too old, because the local monitor keeps its windows in memory and has no
 * failure queue to take records back from.
 */
export const DRIFT_EVENT_SOURCE: EventSourceSettings = {
  bisectBatchOnFunctionError: true,
  reportBatchItemFailures: true,
  maxRetryAttempts: -1,
  maxRecordAgeSeconds: -1,
};

/** How long a local run waits for an unreachable Kinesis endpoint before it stops cleanly. */
export const DEFAULT_ENGINE_PATIENCE_MS = 60_000;
