import type { _Record } from '@aws-sdk/client-kinesis';
import { sleep } from '../../kernel/backoff.js';
import type { BatchDelivery } from './BatchDelivery.js';
import type { EventContext } from './kinesisEvent.js';
import type { ShardProgress } from './RunnerProgress.js';
import { type RetryPolicy, type RetryState, redeliveryDelayMs } from './retryPolicy.js';
import type { ShardCheckpoints } from './ShardCheckpoints.js';
import type { ShardReader } from './ShardReader.js';
import type { StartingPosition } from './types.js';

/** The parts one shard's loop drives, and its pace. */
export interface ShardPollerOptions {
  shard: ShardProgress;
  /** The event fields of this shard's records. */
  context: EventContext;
  reader: ShardReader;
  delivery: BatchDelivery;
  checkpoints: ShardCheckpoints;
  startingPosition: StartingPosition;
  /** Pause after a read that returned nothing. */
  pollIntervalMs: number;
  retryPolicy: Pick<RetryPolicy, 'retryDelayMs' | 'maxRetryDelayMs'>;
  random: () => number;
  /** Aborted by stop(): the loop ends after the batch in hand. */
  signal: AbortSignal;
  /** Resolves when the shard may be read: once its parents are read to their end. */
  waitForParents: () => Promise<void>;
}

/**
 * One shard's loop: waits for its parents, resumes after its checkpoint, then reads and delivers until the shard
 * ends or the runner stops. A failed batch is delivered again as the retry policy says: read afresh from the
 * failed record, or (under bisection) the halves or the rest of the batch in hand, before reading on.
 */
export class ShardPoller {
  constructor(private readonly opts: ShardPollerOptions) {}

  /** Runs until the shard is read to its end or the runner stops; rejects when reading or delivering fails for good. */
  async run(): Promise<void> {
    const { shard, context, reader, delivery, checkpoints, signal } = this.opts;
    await this.opts.waitForParents();
    if (signal.aborted) return;
    const checkpoint = await checkpoints.resume(shard);
    await reader.seek(
      checkpoint === undefined
        ? { type: this.opts.startingPosition }
        : { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: checkpoint },
    );
    let retry: RetryState | undefined;
    // Batches already read that are to be delivered before reading on, in order.
    let pending: _Record[][] = [];
    while (!signal.aborted) {
      let records = pending.shift();
      if (records === undefined) {
        const read = await reader.readBatch();
        if (read === undefined) break;
        if (read.length === 0) {
          if (reader.ended) {
            shard.closed = true;
            break;
          }
          await sleep(this.opts.pollIntervalMs, signal);
          continue;
        }
        records = read;
      }
      const next = await delivery.deliver(shard, context, records, retry);
      retry = next?.retry;
      if (next !== undefined) {
        if (next.backoff) {
          await sleep(
            redeliveryDelayMs(next.retry.attempts, this.opts.retryPolicy, this.opts.random),
            signal,
          );
        }
        if (signal.aborted) break;
        if (next.batches !== undefined) {
          pending = [...next.batches, ...pending];
        } else {
          pending = [];
          await reader.seek({ type: 'AT_SEQUENCE_NUMBER', sequenceNumber: next.retry.sequenceNumber });
        }
      }
      shard.busy = retry !== undefined || pending.length > 0;
    }
  }
}
