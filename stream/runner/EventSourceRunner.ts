import { sleep } from '../../kernel/backoff.js';
import { BatchDelivery } from './BatchDelivery.js';
import { EngineHealth } from './EngineHealth.js';
import { explainRunnerFailure, RUNNER_ERROR_CODES, RunnerError } from './errors.js';
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
import { describeStream, listShardLineage, waitForParents } from './shardDiscovery.js';
import type { RunnerStats, StreamIdentity } from './types.js';

export type { EventSourceRunnerOptions, WaitForIdleOptions } from './options.js';
export type { KinesisBatchHandler, RunnerNotice } from './types.js';

/**
 * Polls every shard of a stream and invokes a handler as Lambda's Kinesis event source mapping would. This
 * class only coordinates: shardDiscovery finds the shards, one ShardPoller per shard reads (ShardReader) and
 * delivers (BatchDelivery, by the retryPolicy), ShardCheckpoints and the dead letter keep what is done,
 * RunnerProgress keeps the stats and EngineHealth watches whether the endpoint answers.
 */
export class EventSourceRunner {
  private readonly opts: ResolvedRunnerOptions;
  private readonly progress = new RunnerProgress();
  private readonly loops = new Map<string, Promise<void>>();
  private abort = new AbortController();
  private starting: Promise<void> | undefined;
  private running = false;
  private fatal: unknown;
  private readonly health: EngineHealth;

  constructor(opts: EventSourceRunnerOptions) {
    this.opts = resolveRunnerOptions(opts);
    this.health = new EngineHealth({
      patienceMs: this.opts.enginePatienceMs,
      ...(this.opts.onNotice ? { onNotice: this.opts.onNotice } : {}),
      onGiveUp: (err) => this.fail(err),
    });
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
    this.health.reset();
    this.fatal = undefined;
    const retry = this.callRetry();
    let stream: StreamIdentity;
    let shards: Awaited<ReturnType<typeof listShardLineage>>;
    try {
      stream = await describeStream(client, streamName, retry);
      shards = await listShardLineage(client, streamName, retry);
    } catch (err) {
      // An outage that outlasted the patience aborted the discovery calls: its error says why.
      const failure = this.fatal ?? explainRunnerFailure(err, streamName);
      this.fatal = undefined;
      this.health.reset();
      throw failure;
    }
    const streamContext = streamEventContext(stream.streamArn, this.opts);
    const checkpoints = await this.openCheckpoints(stream);
    this.running = true;
    this.progress.reset();
    this.loops.clear();

    const delivery = new BatchDelivery({
      handler: this.opts.handler,
      streamName,
      policy: this.opts,
      checkpoints,
      deadLetter: this.opts.deadLetter,
      progress: this.progress,
      now: this.opts.now,
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

  // Checkpoints of this very stream; those of an earlier stream of the same name are set aside, and the owner told.
  private async openCheckpoints(stream: StreamIdentity): Promise<ShardCheckpoints> {
    const stored = await this.opts.checkpointStore.load(stream);
    if (stored.replaced !== undefined) {
      this.opts.onNotice?.({
        kind: 'streamRecreated',
        streamName: stream.streamName,
        createdAt: stream.createdAt,
        previousCreatedAt: stored.replaced.createdAt,
      });
    }
    return new ShardCheckpoints(this.opts.checkpointStore, stream, stored.shards);
  }

  // The first loop to fail for good (or an outage past the patience) stops all of them; stop() and waitForIdle()
  // then report its error.
  private fail(err: unknown): void {
    if (this.fatal !== undefined) return;
    this.fatal = explainRunnerFailure(err, this.opts.streamName);
    this.abort.abort();
    if (this.running) this.opts.onError?.(this.fatal);
  }

  /** Lets in-flight batches finish and their checkpoints be saved, then resolves; rejects if a loop failed. */
  async stop(): Promise<void> {
    // A stop during start() waits for the loops to exist, then stops them.
    await this.starting?.catch(() => undefined);
    if (!this.running) return;
    this.abort.abort();
    await Promise.all(this.loops.values());
    this.running = false;
    this.health.reset();
    if (this.fatal !== undefined) throw this.fatal;
  }

  /** Totals since start(), each shard's progress, and whether the endpoint answers. */
  stats(): RunnerStats {
    return { ...this.progress.snapshot(), engine: this.health.snapshot() };
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
        // Not idle because nothing answers: say that, not that the stream kept busy.
        const outage = this.health.unreachableError();
        if (outage !== undefined) throw outage;
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
    return (
      this.running &&
      this.fatal === undefined &&
      this.health.snapshot().unreachableSince === undefined &&
      this.progress.allCaughtUpSince(since)
    );
  }

  // Bound to the current run's stop signal.
  private callRetry(): KinesisCallRetry {
    return {
      signal: this.abort.signal,
      maxDelayMs: this.opts.maxRetryDelayMs,
      random: this.opts.random,
      health: this.health,
    };
  }
}
