import { sleep } from '../../kernel/backoff.js';
import { BatchDelivery } from './BatchDelivery.js';
import { RUNNER_ERROR_CODES, RunnerError } from './errors.js';
import type { KinesisCallRetry } from './kinesisCallRetry.js';
import { streamEventContext } from './kinesisEvent.js';
import {
  type EventSourceRunnerOptions,
  type ResolvedRunnerOptions,
  resolveRunnerOptions,
  type WaitForIdleOptions,
} from './options.js';
import { RunnerProgress } from './RunnerProgress.js';
import { ShardCheckpoints } from './ShardCheckpoints.js';
import { ShardPoller } from './ShardPoller.js';
import { ShardReader } from './ShardReader.js';
import { describeStreamArn, listShardLineage, waitForParents } from './shardDiscovery.js';
import type { RunnerStats } from './types.js';

export type { EventSourceRunnerOptions, WaitForIdleOptions } from './options.js';
export type { KinesisBatchHandler } from './types.js';

/**
 * Polls every shard of a stream and invokes a handler as Lambda's Kinesis event source mapping would. This
 * class only coordinates: shardDiscovery finds the shards, one ShardPoller per shard reads (ShardReader) and
 * delivers (BatchDelivery, by the retryPolicy), ShardCheckpoints and the dead letter keep what is done, and
 * RunnerProgress keeps the stats.
 */
export class EventSourceRunner {
  private readonly opts: ResolvedRunnerOptions;
  private readonly progress = new RunnerProgress();
  private readonly loops = new Map<string, Promise<void>>();
  private abort = new AbortController();
  private starting: Promise<void> | undefined;
  private running = false;
  private fatal: unknown;

  constructor(opts: EventSourceRunnerOptions) {
    this.opts = resolveRunnerOptions(opts);
  }

  /** Finds the stream's shards and starts one poll loop per shard; resolves once they run. */
  async start(): Promise<void> {
    this.starting ??= this.launch().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async launch(): Promise<void> {
    if (this.running) return;
    const { client, streamName } = this.opts;
    // A fresh stop signal before any call: after a stop(), the last run's aborted signal would make discovery
    // give up on the first throttled call.
    this.abort = new AbortController();
    const retry = this.callRetry();
    const streamArn = await describeStreamArn(client, streamName, retry);
    const streamContext = streamEventContext(streamArn, this.opts);
    const shards = await listShardLineage(client, streamName, retry);
    this.fatal = undefined;
    this.running = true;
    this.progress.reset();
    this.loops.clear();

    const checkpoints = new ShardCheckpoints(this.opts.checkpointStore, streamName);
    const delivery = new BatchDelivery({
      handler: this.opts.handler,
      streamName,
      policy: this.opts,
      checkpoints,
      deadLetter: this.opts.deadLetter,
      progress: this.progress,
      ...(this.opts.onBatch ? { onBatch: this.opts.onBatch } : {}),
    });
    for (const lineage of shards) {
      const shard = this.progress.addShard(lineage.shardId);
      const poller = new ShardPoller({
        shard,
        context: { ...streamContext, shardId: lineage.shardId },
        reader: new ShardReader({
          client,
          streamName,
          shard,
          batchSize: this.opts.batchSize,
          batchingWindowMs: this.opts.batchingWindowMs,
          pollIntervalMs: this.opts.pollIntervalMs,
          retry,
          onRecords: () => this.progress.touch(),
        }),
        delivery,
        checkpoints,
        startingPosition: this.opts.startingPosition,
        pollIntervalMs: this.opts.pollIntervalMs,
        retryPolicy: this.opts,
        random: this.opts.random,
        signal: retry.signal,
        // As Lambda: a child shard starts only once its parents are read to their end.
        waitForParents: () => waitForParents(lineage, this.loops),
      });
      this.loops.set(
        lineage.shardId,
        poller.run().catch((err: unknown) => this.fail(err)),
      );
    }
  }

  // The first loop to fail for good stops all of them; stop() and waitForIdle() then report its error.
  private fail(err: unknown): void {
    if (this.fatal !== undefined) return;
    this.fatal = err;
    this.abort.abort();
    this.opts.onError?.(err);
  }

  /** Lets in-flight batches finish and their checkpoints be saved, then resolves; rejects if a loop failed. */
  async stop(): Promise<void> {
    // A stop during start() waits for the loops to exist, then stops them.
    await this.starting?.catch(() => undefined);
    if (!this.running) return;
    this.abort.abort();
    await Promise.all(this.loops.values());
    this.running = false;
    if (this.fatal !== undefined) throw this.fatal;
  }

  /** Totals since start() and each shard's progress. */
  stats(): RunnerStats {
    return this.progress.snapshot();
  }

  /** True when every shard's last read came back empty at the tip of the stream and nothing is in flight. */
  caughtUp(): boolean {
    return this.caughtUpSince(-1);
  }

  /**
   * Resolves once every shard has been read empty after this call and no record arrived for `quietMs`,
   * so a finite run knows all records written before the call were handled.
   */
  async waitForIdle(opts: WaitForIdleOptions = {}): Promise<void> {
    const quietMs = opts.quietMs ?? 500;
    const timeoutMs = opts.timeoutMs ?? 60_000;
    const since = Date.now();
    for (;;) {
      if (this.fatal !== undefined) throw this.fatal;
      if (!this.running) throw new RunnerError(RUNNER_ERROR_CODES.notRunning, 'the runner is not running');
      const now = Date.now();
      if (this.caughtUpSince(since) && now - this.progress.lastActivityAt >= quietMs) return;
      if (now - since > timeoutMs) {
        throw new RunnerError(
          RUNNER_ERROR_CODES.idleTimeout,
          `stream ${this.opts.streamName} was not idle within ${timeoutMs} ms`,
          true,
        );
      }
      await sleep(25);
    }
  }

  private caughtUpSince(since: number): boolean {
    return this.running && this.fatal === undefined && this.progress.allCaughtUpSince(since);
  }

  // Bound to the current run's stop signal.
  private callRetry(): KinesisCallRetry {
    return { signal: this.abort.signal, maxDelayMs: this.opts.maxRetryDelayMs, random: this.opts.random };
  }
}
