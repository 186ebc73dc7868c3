import { describe, expect, it } from 'vitest';
import { type EventSourceRunnerOptions, resolveRunnerOptions } from '../../../stream/runner/options.js';

const base: EventSourceRunnerOptions = {
  client: {} as EventSourceRunnerOptions['client'],
  streamName: 's',
  handler: async () => undefined,
  startingPosition: 'TRIM_HORIZON',
  checkpointStore: { load: async () => ({ shards: {} }), save: async () => undefined },
  deadLetter: { put: async () => undefined },
};

describe('resolveRunnerOptions', () => {
  it("fills in Lambda's defaults", () => {
    expect(resolveRunnerOptions(base)).toMatchObject({
      batchSize: 100,
      batchingWindowMs: 0,
      maxRetryAttempts: -1,
      maxRecordAgeSeconds: -1,
      bisectBatchOnFunctionError: false,
      reportBatchItemFailures: false,
      pollIntervalMs: 1_000,
      retryDelayMs: 200,
      maxRetryDelayMs: 10_000,
      random: Math.random,
      now: Date.now,
    });
    expect(resolveRunnerOptions(base).enginePatienceMs).toBeUndefined();
  });

  it('keeps what it is given', () => {
    const random = () => 0.25;
    const given = {
      batchSize: 7,
      batchingWindowMs: 0,
      maxRetryAttempts: 0,
      pollIntervalMs: 0,
      retryDelayMs: 0,
      maxRetryDelayMs: 1,
      random,
    };
    expect(resolveRunnerOptions({ ...base, ...given })).toMatchObject(given);
  });

  it('names every bad option in one error', () => {
    expect(() =>
      resolveRunnerOptions({
        ...base,
        streamName: '',
        batchSize: 0,
        batchingWindowMs: 300_001,
        maxRetryAttempts: -2,
        maxRecordAgeSeconds: 30,
        pollIntervalMs: 0.5,
        enginePatienceMs: -1,
        startingPosition: 'AT_TIMESTAMP' as 'LATEST',
      }),
    ).toThrow(
      'invalid EventSourceRunner options: batchSize must be an integer from 1 to 10000, got 0; ' +
        'batchingWindowMs must be an integer from 0 to 300000, got 300001; ' +
        'maxRetryAttempts must be an integer from -1 to 10000, got -2; ' +
        'maxRecordAgeSeconds must be -1 or an integer from 60 to 604800, got 30; ' +
        'pollIntervalMs must be an integer from 0 to 3600000, got 0.5; ' +
        'enginePatienceMs must be a number >= 0, got -1; ' +
        'startingPosition must be TRIM_HORIZON or LATEST, got AT_TIMESTAMP; streamName is required',
    );
  });

  it('raises a RunnerError with the config code, never retryable', () => {
    try {
      resolveRunnerOptions({ ...base, batchSize: 0 });
      expect.unreachable('resolveRunnerOptions accepted batchSize 0');
    } catch (err) {
      expect(err).toMatchObject({ name: 'RunnerError', code: 'INVALID_RUNNER_CONFIG', retryable: false });
    }
  });
});
