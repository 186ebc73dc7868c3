import { describe, expect, it } from 'vitest';
import type { BatchOutcome } from '../../../stream/runner/batchOutcome.js';
import {
  type DeliveryDecision,
  decideDelivery,
  type RetryState,
  redeliveryDelayMs,
} from '../../../stream/runner/retryPolicy.js';

const seqs = ['10', '20', '30', '40'];
const ok: BatchOutcome = { kind: 'succeeded' };
const from = (fromIndex: number): BatchOutcome => ({ kind: 'itemFailures', fromIndex });
const thrown: BatchOutcome = { kind: 'failed', reason: 'decoder exploded' };

describe('decideDelivery', () => {
  it.each<{
    name: string;
    outcome: BatchOutcome;
    previous?: RetryState;
    max: number;
    expected: DeliveryDecision;
  }>([
    { name: 'a first delivery that succeeds', outcome: ok, max: 3, expected: { kind: 'done', attempt: 1 } },
    {
      name: 'a redelivery that succeeds counts the attempt',
      outcome: ok,
      previous: { sequenceNumber: '10', attempts: 2 },
      max: 3,
      expected: { kind: 'done', attempt: 3 },
    },
    {
      name: 'a success after a retry that started elsewhere is a first attempt',
      outcome: ok,
      previous: { sequenceNumber: '30', attempts: 2 },
      max: 3,
      expected: { kind: 'done', attempt: 1 },
    },
    {
      name: 'a partial failure redelivers from the lowest failure',
      outcome: from(2),
      max: 3,
      expected: {
        kind: 'redeliver',
        handled: 2,
        retry: { sequenceNumber: '30', attempts: 1 },
        from: 'stream',
      },
    },
    {
      name: 'the same record failing again counts up',
      outcome: from(2),
      previous: { sequenceNumber: '30', attempts: 2 },
      max: 3,
      expected: {
        kind: 'redeliver',
        handled: 2,
        retry: { sequenceNumber: '30', attempts: 3 },
        from: 'stream',
      },
    },
    {
      name: 'progress past the failed record starts a fresh count',
      outcome: from(2),
      previous: { sequenceNumber: '10', attempts: 3 },
      max: 3,
      expected: {
        kind: 'redeliver',
        handled: 2,
        retry: { sequenceNumber: '30', attempts: 1 },
        from: 'stream',
      },
    },
    {
      name: 'one failure more than maxRetryAttempts dead-letters from the failed record',
      outcome: from(2),
      previous: { sequenceNumber: '30', attempts: 3 },
      max: 3,
      expected: {
        kind: 'deadLetter',
        handled: 2,
        attempts: 4,
        reason: 'batch item failure after 4 attempts',
      },
    },
    {
      name: 'the first record failing past the limit dead-letters the whole batch',
      outcome: from(0),
      previous: { sequenceNumber: '10', attempts: 3 },
      max: 3,
      expected: {
        kind: 'deadLetter',
        handled: 0,
        attempts: 4,
        reason: 'batch item failure after 4 attempts',
      },
    },
    {
      name: 'a thrown error redelivers the whole batch',
      outcome: thrown,
      max: 3,
      expected: {
        kind: 'redeliver',
        handled: 0,
        retry: { sequenceNumber: '10', attempts: 1 },
        from: 'stream',
      },
    },
    {
      name: 'a thrown error past the limit dead-letters with its message',
      outcome: thrown,
      previous: { sequenceNumber: '10', attempts: 3 },
      max: 3,
      expected: { kind: 'deadLetter', handled: 0, attempts: 4, reason: 'decoder exploded' },
    },
    {
      name: 'maxRetryAttempts 0 dead-letters on the first failure',
      outcome: thrown,
      max: 0,
      expected: { kind: 'deadLetter', handled: 0, attempts: 1, reason: 'decoder exploded' },
    },
    {
      name: 'maxRetryAttempts -1 retries forever',
      outcome: from(1),
      previous: { sequenceNumber: '20', attempts: 10_000 },
      max: -1,
      expected: {
        kind: 'redeliver',
        handled: 1,
        retry: { sequenceNumber: '20', attempts: 10_001 },
        from: 'stream',
      },
    },
  ])('$name', ({ outcome, previous, max, expected }) => {
    expect(
      decideDelivery(outcome, seqs, previous, { maxRetryAttempts: max, bisectBatchOnFunctionError: false }),
    ).toEqual(expected);
  });
});

// https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html ("Bisecting a batch")
describe('decideDelivery with BisectBatchOnFunctionError', () => {
  const bisect = (max: number) => ({ maxRetryAttempts: max, bisectBatchOnFunctionError: true });

  it.each<{
    name: string;
    outcome: BatchOutcome;
    batch?: string[];
    previous?: RetryState;
    max: number;
    expected: DeliveryDecision;
  }>([
    {
      name: 'a function error splits the batch in two, not counted as a retry',
      outcome: thrown,
      max: 0,
      expected: { kind: 'split', at: 2, retry: { sequenceNumber: '10', attempts: 0 } },
    },
    {
      name: 'an odd batch splits with the larger half first',
      outcome: thrown,
      batch: ['10', '20', '30'],
      max: 0,
      expected: { kind: 'split', at: 2, retry: { sequenceNumber: '10', attempts: 0 } },
    },
    {
      name: 'a split keeps the count the first record has so far',
      outcome: thrown,
      previous: { sequenceNumber: '10', attempts: 2 },
      max: 3,
      expected: { kind: 'split', at: 2, retry: { sequenceNumber: '10', attempts: 2 } },
    },
    {
      name: 'a lone record that fails is retried, counted, from the batch in hand',
      outcome: thrown,
      batch: ['30'],
      max: 1,
      expected: {
        kind: 'redeliver',
        handled: 0,
        retry: { sequenceNumber: '30', attempts: 1 },
        from: 'batch',
      },
    },
    {
      name: 'a lone record past its retries is given up on',
      outcome: thrown,
      batch: ['30'],
      previous: { sequenceNumber: '30', attempts: 1 },
      max: 1,
      expected: { kind: 'deadLetter', handled: 0, attempts: 2, reason: 'decoder exploded' },
    },
    {
      name: 'a partial failure is bisected at the failed record: only the remaining records are retried',
      outcome: from(2),
      max: 3,
      expected: {
        kind: 'redeliver',
        handled: 2,
        retry: { sequenceNumber: '30', attempts: 1 },
        from: 'batch',
      },
    },
  ])('$name', ({ outcome, batch, previous, max, expected }) => {
    expect(decideDelivery(outcome, batch ?? seqs, previous, bisect(max))).toEqual(expected);
  });
});

describe('redeliveryDelayMs', () => {
  const policy = { retryDelayMs: 200, maxRetryDelayMs: 10_000 };

  it.each([
    // Jittered within the upper half of 200 * 2^(attempts-1), capped at 10,000.
    { attempts: 1, random: 0, expected: 100 },
    { attempts: 1, random: 0.999_999, expected: 199 },
    { attempts: 2, random: 0, expected: 200 },
    { attempts: 3, random: 0.5, expected: 600 },
    { attempts: 6, random: 0, expected: 3_200 },
    { attempts: 7, random: 0, expected: 5_000 },
    { attempts: 50, random: 0.999_999, expected: 9_999 },
  ])('attempt $attempts, random $random -> $expected ms', ({ attempts, random, expected }) => {
    expect(redeliveryDelayMs(attempts, policy, () => random)).toBe(expected);
  });

  it('is 0 when retryDelayMs is 0', () => {
    expect(redeliveryDelayMs(5, { retryDelayMs: 0, maxRetryDelayMs: 10_000 }, () => 0.7)).toBe(0);
  });
});
