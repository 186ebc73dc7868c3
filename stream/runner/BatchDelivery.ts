import type { _Record } from '@aws-sdk/client-kinesis';
import type { KinesisStreamEvent } from 'aws-lambda';
import { errorMessage } from '../../kernel/awsErrors.js';
import { type BatchOutcome, evaluateBatchResponse } from './batchOutcome.js';
import { deadLetterEntries } from './deadLetterEntries.js';
import { type EventContext, toKinesisStreamRecord } from './kinesisEvent.js';
import type { RunnerProgress, ShardProgress } from './RunnerProgress.js';
import { decideDelivery, type RetryPolicy, type RetryState } from './retryPolicy.js';
import type { ShardCheckpoints } from './ShardCheckpoints.js';
import type { BatchStats, DeadLetterSink, KinesisBatchHandler } from './types.js';

/** What a BatchDelivery hands batches to and where it records what became of them. */
export interface BatchDeliveryOptions {
  handler: KinesisBatchHandler;
  streamName: string;
  policy: Pick<RetryPolicy, 'maxRetryAttempts'>;
  checkpoints: ShardCheckpoints;
  deadLetter: DeadLetterSink;
  progress: RunnerProgress;
  onBatch?: (stats: BatchStats) => void;
}

/**
 * Hands a shard's batch to the handler as Lambda's event source mapping would, judges the response
 * (ReportBatchItemFailures), and applies the retry policy's decision: checkpoint, redeliver or dead-letter.
 */
export class BatchDelivery {
  constructor(private readonly opts: BatchDeliveryOptions) {}

  /** Invokes the handler once; returns where to redeliver from, or undefined when the batch is done with. */
  async deliver(
    shard: ShardProgress,
    ctx: EventContext,
    records: readonly _Record[],
    previous: RetryState | undefined,
  ): Promise<RetryState | undefined> {
    const { checkpoints, progress } = this.opts;
    const sequenceNumbers = records.map((r) => r.SequenceNumber ?? '');
    const first = sequenceNumbers[0] ?? '';
    const last = sequenceNumbers.at(-1) ?? first;
    progress.countDelivered(records.length);
    const { outcome, handlerMs } = await this.invoke(records, sequenceNumbers, ctx);
    progress.touch();
    const report = (partial: Pick<BatchStats, 'outcome' | 'succeeded' | 'deadLettered' | 'attempt'>): void =>
      this.opts.onBatch?.({
        shardId: shard.shardId,
        records: records.length,
        firstSequenceNumber: first,
        lastSequenceNumber: sequenceNumbers.at(-1) ?? '',
        handlerMs,
        millisBehindLatest: shard.millisBehindLatest,
        ...partial,
      });

    const decision = decideDelivery(outcome, sequenceNumbers, previous, this.opts.policy);
    if (decision.kind === 'done') {
      await checkpoints.save(shard, last);
      progress.countSucceeded(records.length);
      report({ outcome: 'succeeded', succeeded: records.length, deadLettered: 0, attempt: decision.attempt });
      return undefined;
    }

    const { handled } = decision;
    if (handled > 0) {
      await checkpoints.save(shard, sequenceNumbers[handled - 1] ?? first);
      progress.countSucceeded(handled);
    }
    if (decision.kind === 'redeliver') {
      progress.countRetried();
      report({ outcome: 'retrying', succeeded: handled, deadLettered: 0, attempt: decision.retry.attempts });
      return decision.retry;
    }
    const dead = deadLetterEntries(records.slice(handled), {
      streamName: this.opts.streamName,
      shardId: shard.shardId,
      reason: decision.reason,
      attempts: decision.attempts,
      time: new Date().toISOString(),
    });
    // The checkpoint moves past the records only once the dead letter holds them.
    await this.opts.deadLetter.put(dead);
    await checkpoints.save(shard, last);
    progress.countDeadLettered(dead.length);
    report({
      outcome: 'deadLettered',
      succeeded: handled,
      deadLettered: dead.length,
      attempt: decision.attempts,
    });
    return undefined;
  }

  // A thrown error fails the whole batch, as an invocation error does in Lambda.
  private async invoke(
    records: readonly _Record[],
    sequenceNumbers: readonly string[],
    ctx: EventContext,
  ): Promise<{ outcome: BatchOutcome; handlerMs: number }> {
    const event: KinesisStreamEvent = { Records: records.map((r) => toKinesisStreamRecord(r, ctx)) };
    const startedAt = performance.now();
    let outcome: BatchOutcome;
    try {
      outcome = evaluateBatchResponse(sequenceNumbers, await this.opts.handler(event));
    } catch (err) {
      outcome = { kind: 'failed', reason: errorMessage(err) };
    }
    return { outcome, handlerMs: performance.now() - startedAt };
  }
}
