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
 * One shard's loop: waits for its parents, resumes after its checkpoint, then reads, delivers, and on a failed
 * batch waits and reads again from the record to redeliver, until the shard ends or the runner stops.
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
    while (!signal.aborted) {
      const records = await reader.readBatch();
      if (records === undefined) break;
      if (records.length === 0) {
        if (reader.ended) {
          shard.closed = true;
          break;
        }
        await sleep(this.opts.pollIntervalMs, signal);
        continue;
      }
      retry = await delivery.deliver(shard, context, records, retry);
      if (retry !== undefined) {
        await sleep(redeliveryDelayMs(retry.attempts, this.opts.retryPolicy, this.opts.random), signal);
        if (signal.aborted) break;
        await reader.seek({ type: 'AT_SEQUENCE_NUMBER', sequenceNumber: retry.sequenceNumber });
      }
      shard.busy = retry !== undefined;
    }
  }
}
