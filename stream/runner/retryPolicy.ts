import { backoffDelay } from '../../kernel/backoff.js';
import type { BatchOutcome } from './batchOutcome.js';

/** The record a failed batch is redelivered from, and how often a batch starting there was delivered. */
export interface RetryState {
  sequenceNumber: string;
  attempts: number;
}

/** When a failing batch is delivered again and when its records are given up on. */
export interface RetryPolicy {
  /** Redeliveries before the failing records are dead-lettered; -1 retries forever. */
  maxRetryAttempts: number;
  /** First pause before a redelivery, doubled per attempt. */
  retryDelayMs: number;
  /** Longest pause before a redelivery. */
  maxRetryDelayMs: number;
}

/** What to do after one delivery; `handled` records at the front of the batch are done and checkpointed. */
export type DeliveryDecision =
  /** Every record is handled. `attempt` is the delivery number of the batch's first record. */
  | { kind: 'done'; attempt: number }
  /** Deliver again from record `handled`, the lowest failure. */
  | { kind: 'redeliver'; handled: number; retry: RetryState }
  /** Give up on the records from `handled` on: dead-letter them and move past them. */
  | { kind: 'deadLetter'; handled: number; attempts: number; reason: string };

/**
 * Decides, from the outcome of delivering a batch with these sequence numbers, whether it is done, delivered
 * again or dead-lettered. Retries count per starting record: progress past it starts a fresh count, as in Lambda.
 */
export function decideDelivery(
  outcome: BatchOutcome,
  sequenceNumbers: readonly string[],
  previous: RetryState | undefined,
  policy: Pick<RetryPolicy, 'maxRetryAttempts'>,
): DeliveryDecision {
  const first = sequenceNumbers[0] ?? '';
  if (outcome.kind === 'succeeded') {
    return { kind: 'done', attempt: previous?.sequenceNumber === first ? previous.attempts + 1 : 1 };
  }
  const handled = outcome.kind === 'itemFailures' ? outcome.fromIndex : 0;
  const failedSeq = sequenceNumbers[handled] ?? first;
  const attempts = previous?.sequenceNumber === failedSeq ? previous.attempts + 1 : 1;
  if (policy.maxRetryAttempts === -1 || attempts <= policy.maxRetryAttempts) {
    return { kind: 'redeliver', handled, retry: { sequenceNumber: failedSeq, attempts } };
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
