import { describe, expect, it } from 'vitest';
import { INFERENCE_EVENT_SOURCE } from '../../../app/pipeline/eventSourceSettings.js';
import { STREAM_RETRY_DEFAULTS } from '../../../infra/config.js';

describe('the local inference event source', () => {
  it("is the stack's mapping: its retry budget and record age, bisect on error, partial batch responses", () => {
    expect(INFERENCE_EVENT_SOURCE).toEqual({
      bisectBatchOnFunctionError: true,
      reportBatchItemFailures: true,
      maxRetryAttempts: STREAM_RETRY_DEFAULTS.retryAttempts,
      maxRecordAgeSeconds: STREAM_RETRY_DEFAULTS.maxRecordAgeSeconds,
    });
  });
});
