import {
  type _Record,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type GetShardIteratorCommandInput,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { isRetryableKinesisError } from '../../kernel/awsErrors.js';
import { sleep } from '../../kernel/backoff.js';
import { backOffAfterFailedCall, callKinesis, type KinesisCallRetry } from './kinesisCallRetry.js';
import type { ShardProgress } from './RunnerProgress.js';
import type { StartingPosition } from './types.js';

/** Where a shard iterator starts. */
export type IteratorPosition =
  | { type: StartingPosition }
  | { type: 'AFTER_SEQUENCE_NUMBER' | 'AT_SEQUENCE_NUMBER'; sequenceNumber: string };

/** What a ShardReader needs: the stream, the batch shape, and where it reports its polls. */
export interface ShardReaderOptions {
  client: KinesisClient;
  streamName: string;
  /** The shard's progress; every answered GetRecords updates its poll fields. */
  shard: ShardProgress;
  batchSize: number;
  batchingWindowMs: number;
  pollIntervalMs: number;
  retry: KinesisCallRetry;
  /** Called whenever a read returns records. */
  onRecords: () => void;
}

/**
 * Reads one shard through GetShardIterator and GetRecords: a batch of up to batchSize records, gathered over
 * the batching window; an expired iterator is renewed where reading stopped, a throttled read waits and retries.
 */
export class ShardReader {
  private iterator: string | undefined;
  /** Where a fresh iterator must start to continue without loss: after the last record read, or at a redelivery. */
  private position: IteratorPosition | undefined;

  constructor(private readonly opts: ShardReaderOptions) {}

  /** True once the shard is closed and every record of it was read. */
  get ended(): boolean {
    return this.position !== undefined && this.iterator === undefined;
  }

  /** Moves the reader to `position` (the start, after a checkpoint, or at a record to redeliver). */
  async seek(position: IteratorPosition): Promise<void> {
    this.position = position;
    this.iterator = await this.getIterator();
  }

  /**
   * The next batch: one read without a batching window, else reads until full or the window closes. Empty at
   * the tip of the stream or the end of a closed shard; undefined when the runner stops first (the records read
   * are then abandoned: no checkpoint covers them).
   */
  async readBatch(): Promise<_Record[] | undefined> {
    if (this.position === undefined)
      throw new Error(`ShardReader for ${this.opts.shard.shardId}: seek first`);
    const { batchSize, batchingWindowMs, pollIntervalMs, retry } = this.opts;
    const records: _Record[] = [];
    let windowEnd = 0;
    while (this.iterator !== undefined) {
      const out = await this.getRecords(this.iterator, batchSize - records.length);
      if (out === undefined || retry.signal.aborted) return undefined;
      this.iterator = out.nextIterator;
      if (out.records.length > 0) {
        if (records.length === 0) {
          windowEnd = Date.now() + batchingWindowMs;
          this.opts.shard.busy = true;
        }
        records.push(...out.records);
      }
      if (records.length === 0 || records.length >= batchSize) break;
      const remaining = windowEnd - Date.now();
      if (remaining <= 0) break;
      if (out.records.length === 0) await sleep(Math.min(pollIntervalMs, remaining), retry.signal);
    }
    return records;
  }

  private async getRecords(
    iterator: string,
    limit: number,
  ): Promise<{ records: _Record[]; nextIterator: string | undefined } | undefined> {
    const { client, shard, retry } = this.opts;
    let current = iterator;
    let attempt = 0;
    while (!retry.signal.aborted) {
      const issuedAt = Date.now();
      try {
        const out = await client.send(new GetRecordsCommand({ ShardIterator: current, Limit: limit }));
        retry.health?.answered();
        const records = out.Records ?? [];
        // Set together once the answer is in: caughtUp() must never pair a new poll time with an old result.
        shard.lastPollAt = issuedAt;
        shard.lastPollRecords = records.length;
        shard.millisBehindLatest = out.MillisBehindLatest;
        const last = records.at(-1)?.SequenceNumber;
        if (last !== undefined) {
          shard.lastReadSequenceNumber = last;
          this.position = { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: last };
          this.opts.onRecords();
        }
        return { records, nextIterator: out.NextShardIterator ?? undefined };
      } catch (err) {
        retry.health?.failed(err);
        if (err instanceof Error && err.name === 'ExpiredIteratorException') {
          current = await this.getIterator();
          continue;
        }
        if (!isRetryableKinesisError(err)) throw err;
        attempt++;
        await backOffAfterFailedCall(attempt, retry);
      }
    }
    return undefined;
  }

  private async getIterator(): Promise<string> {
    const { client, streamName, shard, retry } = this.opts;
    const pos = this.position;
    if (pos === undefined) throw new Error(`ShardReader for ${shard.shardId}: seek first`);
    const input: GetShardIteratorCommandInput = {
      StreamName: streamName,
      ShardId: shard.shardId,
      ShardIteratorType: pos.type,
    };
    if ('sequenceNumber' in pos) input.StartingSequenceNumber = pos.sequenceNumber;
    const out = await callKinesis(() => client.send(new GetShardIteratorCommand(input)), retry);
    if (out.ShardIterator === undefined) {
      throw new Error(`GetShardIterator returned no iterator for ${shard.shardId}`);
    }
    return out.ShardIterator;
  }
}
