import { backoffDelay } from '../../kernel/backoff.js';
import type { BatchOutcome } from './batchOutcome.js';

/** The record a failed batch is delivered again from, and how many of its failed deliveries count as retries. */
export interface RetryState {
  sequenceNumber: string;
  /** Failed deliveries starting at this record that count against MaximumRetryAttempts (a bisection does not). */
  attempts: number;
}

/**
 * When a failing batch is delivered again and when its records are given up on: Lambda's rules for stream
 * sources (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html#services-kinesis-errors).
 */
export interface RetryPolicy {
  /** Retries before the failing records are dead-lettered; -1 retries until the records expire. */
  maxRetryAttempts: number;
  /** BisectBatchOnFunctionError: a batch the function failed as a whole is split in two instead of retried as is. */
  bisectBatchOnFunctionError: boolean;
  /** First pause before a retry, doubled per attempt. */
  retryDelayMs: number;
  /** Longest pause before a retry. */
  maxRetryDelayMs: number;
}

/** What to do after one delivery; `handled` records at the front of the batch are done and checkpointed. */
export type DeliveryDecision =
  /** Every record is handled. `attempt` is 1 + the retries counted for the batch's first record. */
  | { kind: 'done'; attempt: number }
  /**
   * Deliver again from record `handled`, the lowest failure; a retry, counted. `from: 'stream'` reads a fresh
   * batch from there (Lambda retries from the checkpoint); `from: 'batch'` delivers exactly this batch's remaining
   * records (with bisection on, Lambda "retries only the remaining records").
   */
  | { kind: 'redeliver'; handled: number; retry: RetryState; from: 'stream' | 'batch' }
  /**
   * Bisection: the function failed the whole batch; deliver its first `at` records, then the rest, as two
   * batches. "Splitting a batch does not count towards the retry quota", so `retry` keeps the count it had.
   */
  | { kind: 'split'; at: number; retry: RetryState }
  /** Give up on the records from `handled` on: dead-letter them and move past them. */
  | { kind: 'deadLetter'; handled: number; attempts: number; reason: string };

/**
 * Decides, from the outcome of delivering a batch with these sequence numbers, whether it is done, split, delivered
 * again or dead-lettered. Retries count per starting record: progress past it starts a fresh count, as in Lambda.
 * With ReportBatchItemFailures and bisection both on, a partial failure is "bisected at the returned sequence
 * number" and only the remaining records are retried
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html); a function error is
 * bisected whatever the response type (same page). A lone record that fails is retried, and the retry counts.
 */
export function decideDelivery(
  outcome: BatchOutcome,
  sequenceNumbers: readonly string[],
  previous: RetryState | undefined,
  policy: Pick<RetryPolicy, 'maxRetryAttempts' | 'bisectBatchOnFunctionError'>,
): DeliveryDecision {
  const first = sequenceNumbers[0] ?? '';
  const countSoFar = (seq: string): number => (previous?.sequenceNumber === seq ? previous.attempts : 0);
  if (outcome.kind === 'succeeded') return { kind: 'done', attempt: countSoFar(first) + 1 };
  if (outcome.kind === 'failed' && policy.bisectBatchOnFunctionError && sequenceNumbers.length > 1) {
    return {
      kind: 'split',
      at: Math.ceil(sequenceNumbers.length / 2),
      retry: { sequenceNumber: first, attempts: countSoFar(first) },
    };
  }
  const handled = outcome.kind === 'itemFailures' ? outcome.fromIndex : 0;
  const failedSeq = sequenceNumbers[handled] ?? first;
  const attempts = countSoFar(failedSeq) + 1;
  if (policy.maxRetryAttempts === -1 || attempts <= policy.maxRetryAttempts) {
    return {
      kind: 'redeliver',
      handled,
      retry: { sequenceNumber: failedSeq, attempts },
      from: policy.bisectBatchOnFunctionError ? 'batch' : 'stream',
    };
  }
  const reason = outcome.kind === 'failed' ? outcome.reason : `batch item failure after ${attempts} attempts`;
  return { kind: 'deadLetter', handled, attempts, reason };
}

/** The pause before redelivery number `attempts`: exponential, jittered within its upper half. */
export function redeliveryDelayMs(
  attempts: number,
  policy: Pick<RetryPolicy, 'retryDelayMs' | 'maxRetryDelayMs'>,
  random: () => number,
): number {
  return backoffDelay(attempts, policy.retryDelayMs, policy.maxRetryDelayMs, () => 0.5 + random() / 2);
}
