import { isRetryableKinesisError } from '../../kernel/awsErrors.js';
import { backoffDelay, sleep } from '../../kernel/backoff.js';
import type { EngineHealth } from './EngineHealth.js';

/** How the runner's calls to Kinesis wait and give up: until the runner stops, with full-jitter backoff. */
export interface KinesisCallRetry {
  /** Aborted by stop(): waits end at once and no further attempt starts. */
  signal: AbortSignal;
  /** Longest wait after a throttled or failed call. */
  maxDelayMs: number;
  random: () => number;
  /** Told the outcome of every call, to tell an unreachable endpoint from a busy one. */
  health?: EngineHealth;
}

/** First wait after a failed Kinesis call, doubled per attempt up to maxDelayMs. */
export const KINESIS_CALL_BACKOFF_BASE_MS = 100;

/** Sleeps the backoff that follows failed call `attempt` (1-based); a stop cuts it short. */
export function backOffAfterFailedCall(attempt: number, retry: KinesisCallRetry): Promise<void> {
  return sleep(
    backoffDelay(attempt, KINESIS_CALL_BACKOFF_BASE_MS, retry.maxDelayMs, retry.random),
    retry.signal,
  );
}

/**
 * Runs a control call (DescribeStreamSummary, ListShards, GetShardIterator): throttling and transient failures
 * are retried until stop; any other error, or any error once stopping, is thrown.
 */
export async function callKinesis<T>(call: () => Promise<T>, retry: KinesisCallRetry): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      const answer = await call();
      retry.health?.answered();
      return answer;
    } catch (err) {
      retry.health?.failed(err);
      if (!isRetryableKinesisError(err) || retry.signal.aborted) throw err;
      await backOffAfterFailedCall(attempt, retry);
    }
  }
}
