import type { _Record } from '@aws-sdk/client-kinesis';
import type { KinesisStreamEvent } from 'aws-lambda';
import { errorMessage } from '../../kernel/awsErrors.js';
import { type BatchOutcome, evaluateBatchResponse } from './batchOutcome.js';
import { deadLetterEntries } from './deadLetterEntries.js';
import { type EventContext, toKinesisStreamRecord } from './kinesisEvent.js';
import type { RunnerProgress, ShardProgress } from './RunnerProgress.js';
import { decideDelivery, type RetryPolicy, type RetryState } from './retryPolicy.js';
import type { ShardCheckpoints } from './ShardCheckpoints.js';
import type { BatchStats, DeadLetterCondition, DeadLetterSink, KinesisBatchHandler } from './types.js';

/** What a BatchDelivery hands batches to, by which rules, and where it records what became of them. */
export interface BatchDeliveryOptions {
  handler: KinesisBatchHandler;
  streamName: string;
  policy: Pick<RetryPolicy, 'maxRetryAttempts' | 'bisectBatchOnFunctionError'> & {
    /** -1: no limit. */
    maxRecordAgeSeconds: number;
    reportBatchItemFailures: boolean;
  };
  checkpoints: ShardCheckpoints;
  deadLetter: DeadLetterSink;
  progress: RunnerProgress;
  /** The clock record ages are measured with. */
  now: () => number;
  onBatch?: (stats: BatchStats) => void;
}

/** What to deliver after a batch that was not done with. */
export interface Redelivery {
  retry: RetryState;
  /**
   * The records to deliver next, each array one batch, before reading on (the halves of a split, or the rest of a
   * batch under bisection); undefined: read again from the stream at `retry.sequenceNumber`.
   */
  batches: _Record[][] | undefined;
  /** A counted retry waits the backoff first; the halves of a split are delivered at once. */
  backoff: boolean;
}

/**
 * Hands a shard's batch to the handler as Lambda's event source mapping would: records past the maximum age go to
 * the dead letter unseen, the response is judged (ReportBatchItemFailures when on), and the retry policy's decision
 * is applied: checkpoint, split, redeliver or dead-letter.
 */
export class BatchDelivery {
  constructor(private readonly opts: BatchDeliveryOptions) {}

  /** Invokes the handler at most once; returns what to deliver next, or undefined when the batch is done with. */
  async deliver(
    shard: ShardProgress,
    ctx: EventContext,
    batch: readonly _Record[],
    previous: RetryState | undefined,
  ): Promise<Redelivery | undefined> {
    const { checkpoints, progress } = this.opts;
    const first = batch[0]?.SequenceNumber ?? '';
    const report = (
      partial: Pick<BatchStats, 'outcome' | 'succeeded' | 'deadLettered' | 'attempt' | 'handlerMs'>,
    ): void =>
      this.opts.onBatch?.({
        shardId: shard.shardId,
        records: batch.length,
        firstSequenceNumber: first,
        lastSequenceNumber: batch.at(-1)?.SequenceNumber ?? '',
        millisBehindLatest: shard.millisBehindLatest,
        ...partial,
      });

    // "MaximumRecordAgeInSeconds – Discard records older than the specified age": they never reach the function.
    // A shard's records arrive in sequence order, so the expired ones lead the batch.
    const expired = this.expiredPrefix(batch);
    const attemptsSoFar = previous?.sequenceNumber === first ? previous.attempts : 0;
    if (expired > 0) {
      await this.giveUp(shard, batch.slice(0, expired), {
        condition: 'RecordAgeExceeded',
        reason: `record older than MaximumRecordAgeInSeconds (${this.opts.policy.maxRecordAgeSeconds} s)`,
        attempts: attemptsSoFar,
      });
    }
    const records = batch.slice(expired);
    if (records.length === 0) {
      report({
        outcome: 'deadLettered',
        succeeded: 0,
        deadLettered: expired,
        attempt: attemptsSoFar + 1,
        handlerMs: 0,
      });
      return undefined;
    }

    const sequenceNumbers = records.map((r) => r.SequenceNumber ?? '');
    const last = sequenceNumbers.at(-1) ?? '';
    progress.countDelivered(records.length);
    const { outcome, handlerMs } = await this.invoke(records, sequenceNumbers, ctx);
    progress.touch();

    const decision = decideDelivery(outcome, sequenceNumbers, previous, this.opts.policy);
    if (decision.kind === 'done') {
      await checkpoints.save(shard, last);
      progress.countSucceeded(records.length);
      report({
        outcome: 'succeeded',
        succeeded: records.length,
        deadLettered: expired,
        attempt: decision.attempt,
        handlerMs,
      });
      return undefined;
    }
    if (decision.kind === 'split') {
      progress.countRetried();
      report({
        outcome: 'retrying',
        succeeded: 0,
        deadLettered: expired,
        attempt: decision.retry.attempts + 1,
        handlerMs,
      });
      return {
        retry: decision.retry,
        batches: [records.slice(0, decision.at), records.slice(decision.at)],
        backoff: false,
      };
    }

    const { handled } = decision;
    if (handled > 0) {
      await checkpoints.save(shard, sequenceNumbers[handled - 1] ?? '');
      progress.countSucceeded(handled);
    }
    if (decision.kind === 'redeliver') {
      progress.countRetried();
      report({
        outcome: 'retrying',
        succeeded: handled,
        deadLettered: expired,
        attempt: decision.retry.attempts,
        handlerMs,
      });
      return {
        retry: decision.retry,
        batches: decision.from === 'batch' ? [records.slice(handled)] : undefined,
        backoff: true,
      };
    }
    const dead = await this.giveUp(shard, records.slice(handled), {
      condition: 'RetryAttemptsExhausted',
      reason: decision.reason,
      attempts: decision.attempts,
    });
    report({
      outcome: 'deadLettered',
      succeeded: handled,
      deadLettered: expired + dead,
      attempt: decision.attempts,
      handlerMs,
    });
    return undefined;
  }

  private expiredPrefix(records: readonly _Record[]): number {
    const maxAgeSeconds = this.opts.policy.maxRecordAgeSeconds;
    if (maxAgeSeconds < 0) return 0;
    const now = this.opts.now();
    let expired = 0;
    for (const record of records) {
      const arrival = record.ApproximateArrivalTimestamp?.getTime();
      if (arrival === undefined || now - arrival <= maxAgeSeconds * 1000) break;
      expired++;
    }
    return expired;
  }

  // The checkpoint moves past the records only once the dead letter holds them.
  private async giveUp(
    shard: ShardProgress,
    records: readonly _Record[],
    why: { condition: DeadLetterCondition; reason: string; attempts: number },
  ): Promise<number> {
    const dead = deadLetterEntries(records, {
      streamName: this.opts.streamName,
      shardId: shard.shardId,
      ...why,
      time: new Date(this.opts.now()).toISOString(),
    });
    await this.opts.deadLetter.put(dead);
    await this.opts.checkpoints.save(shard, records.at(-1)?.SequenceNumber ?? '');
    this.opts.progress.countDeadLettered(dead.length);
    return dead.length;
  }

  // A thrown error fails the whole batch, as an invocation error does in Lambda. Without ReportBatchItemFailures
  // Lambda does not read the response at all: any answer is a complete success.
  private async invoke(
    records: readonly _Record[],
    sequenceNumbers: readonly string[],
    ctx: EventContext,
  ): Promise<{ outcome: BatchOutcome; handlerMs: number }> {
    const event: KinesisStreamEvent = { Records: records.map((r) => toKinesisStreamRecord(r, ctx)) };
    const startedAt = performance.now();
    let outcome: BatchOutcome;
    try {
      const response = await this.opts.handler(event);
      outcome = this.opts.policy.reportBatchItemFailures
        ? evaluateBatchResponse(sequenceNumbers, response)
        : { kind: 'succeeded' };
    } catch (err) {
      outcome = { kind: 'failed', reason: errorMessage(err) };
    }
    return { outcome, handlerMs: performance.now() - startedAt };
  }
}
