import {
  type _Record,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type GetShardIteratorCommandInput,
  type KinesisClient,
  ListShardsCommand,
  type Shard,
} from '@aws-sdk/client-kinesis';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { errorMessage, isRetryableKinesisError } from '../../kernel/awsErrors.js';
import { backoffDelay, sleep } from '../../kernel/backoff.js';
import { evaluateBatchResponse } from './batchOutcome.js';
import { RUNNER_ERROR_CODES, RunnerError } from './errors.js';
import { type EventContext, parseStreamArn, toKinesisStreamRecord } from './kinesisEvent.js';
import type {
  BatchStats,
  CheckpointStore,
  DeadLetterEntry,
  DeadLetterSink,
  RunnerStats,
  ShardStats,
  StartingPosition,
} from './types.js';

/** A Lambda-style Kinesis handler. */
// biome-ignore lint/suspicious/noConfusingVoidType: the aws-lambda KinesisStreamHandler contract; async handlers that return nothing must fit.
export type KinesisBatchHandler = (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse | void>;

/** Options for {@link EventSourceRunner}; names and defaults follow Lambda's event source mapping. */
export interface EventSourceRunnerOptions {
  client: KinesisClient;
  streamName: string;
  handler: KinesisBatchHandler;
  /** Records per invocation, 1 to 10,000; default 100. */
  batchSize?: number;
  /** How long to gather records before invoking, 0 to 300,000 ms; default 0 (invoke with what one read returns). */
  batchingWindowMs?: number;
  /** Redeliveries of a failing batch before its records are dead-lettered; -1 retries forever; default 3. */
  maxRetryAttempts?: number;
  startingPosition: StartingPosition;
  checkpointStore: CheckpointStore;
  deadLetter: DeadLetterSink;
  /** Pause after a read that returned nothing; default 1,000 ms (Lambda polls each shard once a second). */
  pollIntervalMs?: number;
  /** First pause before redelivering a failed batch, doubled per retry; default 200 ms. */
  retryDelayMs?: number;
  /** Longest pause before a redelivery or after a throttled read; default 10,000 ms. */
  maxRetryDelayMs?: number;
  /** awsRegion of the events; default the stream ARN's region. */
  region?: string;
  /** invokeIdentityArn of the events; default a role in the stream's account. */
  invokeIdentityArn?: string;
  onBatch?: (stats: BatchStats) => void;
  /** Called once when a shard loop fails for good (e.g. the stream was deleted); all loops then stop. */
  onError?: (err: unknown) => void;
  random?: () => number;
}

/** Options for {@link EventSourceRunner.waitForIdle}. */
export interface WaitForIdleOptions {
  /** No record may have arrived for this long; default 500 ms. */
  quietMs?: number;
  /** Give up after this long; default 60,000 ms. */
  timeoutMs?: number;
}

type IteratorPosition =
  | { type: StartingPosition }
  | { type: 'AFTER_SEQUENCE_NUMBER' | 'AT_SEQUENCE_NUMBER'; sequenceNumber: string };

interface ShardState extends ShardStats {
  shardId: string;
  parentIds: string[];
  /** Where a fresh iterator must start to continue without loss: after the last record read, or at a redelivery. */
  position: IteratorPosition;
  /** Records read and not yet handled, or a failed batch waiting for redelivery. */
  busy: boolean;
}

interface ReadResult {
  records: _Record[];
  nextIterator: string | undefined;
}

interface RetryState {
  sequenceNumber: string;
  attempts: number;
}

type ResolvedOptions = EventSourceRunnerOptions &
  Required<
    Pick<
      EventSourceRunnerOptions,
      | 'batchSize'
      | 'batchingWindowMs'
      | 'maxRetryAttempts'
      | 'pollIntervalMs'
      | 'retryDelayMs'
      | 'maxRetryDelayMs'
    >
  >;

const LIMITS = {
  maxBatchSize: 10_000,
  maxBatchingWindowMs: 300_000,
  maxRetryAttempts: 10_000,
} as const;

const READ_BACKOFF_BASE_MS = 100;

/** Polls every shard of a stream and invokes a handler as Lambda's Kinesis event source mapping would. */
export class EventSourceRunner {
  private readonly opts: ResolvedOptions;
  private readonly random: () => number;
  private readonly shards = new Map<string, ShardState>();
  private readonly loops = new Map<string, Promise<void>>();
  private abort = new AbortController();
  private starting: Promise<void> | undefined;
  private running = false;
  private fatal: unknown;
  private streamArn = '';
  private awsRegion = '';
  private invokeIdentityArn = '';
  private lastActivityAt = 0;
  private totals = { delivered: 0, succeeded: 0, retriedBatches: 0, deadLettered: 0, batches: 0 };

  constructor(opts: EventSourceRunnerOptions) {
    this.opts = {
      ...opts,
      batchSize: opts.batchSize ?? 100,
      batchingWindowMs: opts.batchingWindowMs ?? 0,
      maxRetryAttempts: opts.maxRetryAttempts ?? 3,
      pollIntervalMs: opts.pollIntervalMs ?? 1_000,
      retryDelayMs: opts.retryDelayMs ?? 200,
      maxRetryDelayMs: opts.maxRetryDelayMs ?? 10_000,
    };
    this.random = opts.random ?? Math.random;
    validate(this.opts);
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
    const summary = await this.withRetry(() =>
      client.send(new DescribeStreamSummaryCommand({ StreamName: streamName })),
    );
    this.streamArn = summary.StreamDescriptionSummary?.StreamARN ?? '';
    const arn = parseStreamArn(this.streamArn);
    this.awsRegion = this.opts.region ?? arn.region;
    this.invokeIdentityArn =
      this.opts.invokeIdentityArn ?? `arn:${arn.partition}:iam::${arn.accountId}:role/pfm-local-event-source`;
    const shards = await this.listShards();
    this.abort = new AbortController();
    this.fatal = undefined;
    this.running = true;
    this.lastActivityAt = Date.now();
    this.totals = { delivered: 0, succeeded: 0, retriedBatches: 0, deadLettered: 0, batches: 0 };
    this.shards.clear();
    this.loops.clear();
    for (const shard of shards) {
      const shardId = shard.ShardId ?? '';
      this.shards.set(shardId, {
        shardId,
        parentIds: [shard.ParentShardId, shard.AdjacentParentShardId].filter((id): id is string => !!id),
        checkpoint: undefined,
        millisBehindLatest: undefined,
        lastPollAt: undefined,
        lastPollRecords: 0,
        closed: false,
        position: { type: this.opts.startingPosition },
        busy: false,
      });
    }
    for (const state of this.shards.values()) {
      this.loops.set(
        state.shardId,
        this.runShard(state).catch((err: unknown) => {
          if (this.fatal !== undefined) return;
          this.fatal = err;
          this.abort.abort();
          this.opts.onError?.(err);
        }),
      );
    }
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
    const shards: Record<string, ShardStats> = {};
    for (const s of this.shards.values()) {
      shards[s.shardId] = {
        checkpoint: s.checkpoint,
        millisBehindLatest: s.millisBehindLatest,
        lastPollAt: s.lastPollAt,
        lastPollRecords: s.lastPollRecords,
        closed: s.closed,
      };
    }
    return { ...this.totals, shards };
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
      if (this.caughtUpSince(since) && now - this.lastActivityAt >= quietMs) return;
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

  // A poll sent in the same millisecond as `since` may have crossed a write that finished just before it: only later polls count.
  private caughtUpSince(since: number): boolean {
    if (!this.running || this.fatal !== undefined || this.shards.size === 0) return false;
    for (const s of this.shards.values()) {
      if (s.closed) continue;
      if (s.busy || s.lastPollAt === undefined || s.lastPollAt <= since) return false;
      if (s.lastPollRecords !== 0 || s.millisBehindLatest !== 0) return false;
    }
    return true;
  }

  private async listShards(): Promise<Shard[]> {
    const shards: Shard[] = [];
    let nextToken: string | undefined;
    do {
      const token = nextToken;
      const page = await this.withRetry(() =>
        this.opts.client.send(
          new ListShardsCommand(token ? { NextToken: token } : { StreamName: this.opts.streamName }),
        ),
      );
      shards.push(...(page.Shards ?? []));
      nextToken = page.NextToken;
    } while (nextToken);
    return shards;
  }

  private get stopping(): boolean {
    return this.abort.signal.aborted;
  }

  private async runShard(shard: ShardState): Promise<void> {
    // Yield first so that every shard's loop is registered before a child looks up its parents' loops.
    await Promise.resolve();
    // As Lambda: a child shard starts only once its parents are read to their end.
    await Promise.all(shard.parentIds.map((id) => this.loops.get(id)));
    if (this.stopping) return;
    const { checkpointStore, streamName } = this.opts;
    shard.checkpoint = await checkpointStore.load(streamName, shard.shardId);
    if (shard.checkpoint !== undefined) {
      shard.position = { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: shard.checkpoint };
    }
    let iterator: string | undefined = await this.getIterator(shard);
    let retry: RetryState | undefined;
    while (!this.stopping) {
      const read = await this.readBatch(shard, iterator);
      if (read === undefined) break;
      iterator = read.nextIterator;
      const { records } = read;
      if (records.length === 0) {
        if (iterator === undefined) {
          shard.closed = true;
          break;
        }
        await sleep(this.opts.pollIntervalMs, this.abort.signal);
        continue;
      }
      retry = await this.deliver(shard, records, retry);
      if (retry !== undefined) {
        await sleep(
          backoffDelay(
            retry.attempts,
            this.opts.retryDelayMs,
            this.opts.maxRetryDelayMs,
            () => 0.5 + this.random() / 2,
          ),
          this.abort.signal,
        );
        if (this.stopping) break;
        shard.position = { type: 'AT_SEQUENCE_NUMBER', sequenceNumber: retry.sequenceNumber };
        iterator = await this.getIterator(shard);
      }
      shard.busy = retry !== undefined;
    }
  }

  // Reads up to batchSize records: one read without a batching window, else reads until full or the window closes.
  private async readBatch(shard: ShardState, iterator: string | undefined): Promise<ReadResult | undefined> {
    const records: _Record[] = [];
    let next = iterator;
    let windowEnd = 0;
    while (next !== undefined) {
      const out = await this.getRecords(shard, next, this.opts.batchSize - records.length);
      if (out === undefined || this.stopping) return undefined; // abandoned: the checkpoint never covered these
      next = out.nextIterator;
      if (out.records.length > 0) {
        if (records.length === 0) {
          windowEnd = Date.now() + this.opts.batchingWindowMs;
          shard.busy = true;
        }
        records.push(...out.records);
      }
      if (records.length === 0 || records.length >= this.opts.batchSize) break;
      const remaining = windowEnd - Date.now();
      if (remaining <= 0) break;
      if (out.records.length === 0)
        await sleep(Math.min(this.opts.pollIntervalMs, remaining), this.abort.signal);
    }
    return { records, nextIterator: next };
  }

  private async getRecords(
    shard: ShardState,
    iterator: string,
    limit: number,
  ): Promise<ReadResult | undefined> {
    let current = iterator;
    let attempt = 0;
    while (!this.stopping) {
      const issuedAt = Date.now();
      try {
        const out = await this.opts.client.send(
          new GetRecordsCommand({ ShardIterator: current, Limit: limit }),
        );
        const records = out.Records ?? [];
        // Set together once the answer is in: caughtUp() must never pair a new poll time with an old result.
        shard.lastPollAt = issuedAt;
        shard.lastPollRecords = records.length;
        shard.millisBehindLatest = out.MillisBehindLatest;
        const last = records.at(-1)?.SequenceNumber;
        if (last !== undefined) {
          shard.position = { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: last };
          this.lastActivityAt = Date.now();
        }
        return { records, nextIterator: out.NextShardIterator ?? undefined };
      } catch (err) {
        if (err instanceof Error && err.name === 'ExpiredIteratorException') {
          current = await this.getIterator(shard);
          continue;
        }
        if (!isRetryableKinesisError(err)) throw err;
        attempt++;
        await sleep(
          backoffDelay(attempt, READ_BACKOFF_BASE_MS, this.opts.maxRetryDelayMs, this.random),
          this.abort.signal,
        );
      }
    }
    return undefined;
  }

  private async getIterator(shard: ShardState): Promise<string> {
    const pos = shard.position;
    const input: GetShardIteratorCommandInput = {
      StreamName: this.opts.streamName,
      ShardId: shard.shardId,
      ShardIteratorType: pos.type,
    };
    if ('sequenceNumber' in pos) input.StartingSequenceNumber = pos.sequenceNumber;
    const out = await this.withRetry(() => this.opts.client.send(new GetShardIteratorCommand(input)));
    if (out.ShardIterator === undefined) {
      throw new Error(`GetShardIterator returned no iterator for ${shard.shardId}`);
    }
    return out.ShardIterator;
  }

  // Invokes the handler once and applies the outcome; returns the retry state when the batch is to be redelivered.
  private async deliver(
    shard: ShardState,
    records: _Record[],
    previous: RetryState | undefined,
  ): Promise<RetryState | undefined> {
    const ctx: EventContext = {
      shardId: shard.shardId,
      streamArn: this.streamArn,
      awsRegion: this.awsRegion,
      invokeIdentityArn: this.invokeIdentityArn,
    };
    const sequenceNumbers = records.map((r) => r.SequenceNumber ?? '');
    const event: KinesisStreamEvent = { Records: records.map((r) => toKinesisStreamRecord(r, ctx)) };
    const first = sequenceNumbers[0] ?? '';
    const attempt = previous?.sequenceNumber === first ? previous.attempts + 1 : 1;
    this.totals.delivered += records.length;
    this.totals.batches++;
    const startedAt = performance.now();
    let outcome: ReturnType<typeof evaluateBatchResponse>;
    try {
      outcome = evaluateBatchResponse(sequenceNumbers, await this.opts.handler(event));
    } catch (err) {
      outcome = { kind: 'failed', reason: errorMessage(err) };
    }
    const handlerMs = performance.now() - startedAt;
    this.lastActivityAt = Date.now();
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

    if (outcome.kind === 'succeeded') {
      await this.checkpoint(shard, sequenceNumbers.at(-1) ?? first);
      this.totals.succeeded += records.length;
      report({ outcome: 'succeeded', succeeded: records.length, deadLettered: 0, attempt });
      return undefined;
    }

    const fromIndex = outcome.kind === 'itemFailures' ? outcome.fromIndex : 0;
    const failedSeq = sequenceNumbers[fromIndex] ?? first;
    // Retries count per starting record: progress past it starts a fresh count, as in Lambda.
    const attempts = previous?.sequenceNumber === failedSeq ? previous.attempts + 1 : 1;
    if (fromIndex > 0) {
      await this.checkpoint(shard, sequenceNumbers[fromIndex - 1] ?? first);
      this.totals.succeeded += fromIndex;
    }
    const { maxRetryAttempts } = this.opts;
    if (maxRetryAttempts === -1 || attempts <= maxRetryAttempts) {
      this.totals.retriedBatches++;
      report({ outcome: 'retrying', succeeded: fromIndex, deadLettered: 0, attempt: attempts });
      return { sequenceNumber: failedSeq, attempts };
    }
    const reason =
      outcome.kind === 'failed' ? outcome.reason : `batch item failure after ${attempts} attempts`;
    const time = new Date().toISOString();
    const dead: DeadLetterEntry[] = records.slice(fromIndex).map((r) => ({
      streamName: this.opts.streamName,
      shardId: shard.shardId,
      sequenceNumber: r.SequenceNumber ?? '',
      partitionKey: r.PartitionKey ?? '',
      data: r.Data ?? new Uint8Array(),
      reason,
      attempts,
      time,
    }));
    await this.opts.deadLetter.put(dead);
    await this.checkpoint(shard, sequenceNumbers.at(-1) ?? first);
    this.totals.deadLettered += dead.length;
    report({ outcome: 'deadLettered', succeeded: fromIndex, deadLettered: dead.length, attempt: attempts });
    return undefined;
  }

  private async checkpoint(shard: ShardState, sequenceNumber: string): Promise<void> {
    await this.opts.checkpointStore.save(this.opts.streamName, shard.shardId, sequenceNumber);
    shard.checkpoint = sequenceNumber;
  }

  // Throttling and transient failures of control calls are retried with backoff until stop(); others are fatal.
  private async withRetry<T>(call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (err) {
        if (!isRetryableKinesisError(err) || this.stopping) throw err;
        await sleep(
          backoffDelay(attempt, READ_BACKOFF_BASE_MS, this.opts.maxRetryDelayMs, this.random),
          this.abort.signal,
        );
      }
    }
  }
}

function validate(opts: ResolvedOptions): void {
  const problems: string[] = [];
  const intIn = (name: string, value: number, min: number, max: number): void => {
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer from ${min} to ${max}, got ${value}`);
    }
  };
  intIn('batchSize', opts.batchSize, 1, LIMITS.maxBatchSize);
  intIn('batchingWindowMs', opts.batchingWindowMs, 0, LIMITS.maxBatchingWindowMs);
  intIn('maxRetryAttempts', opts.maxRetryAttempts, -1, LIMITS.maxRetryAttempts);
  intIn('pollIntervalMs', opts.pollIntervalMs, 0, 3_600_000);
  if (opts.startingPosition !== 'TRIM_HORIZON' && opts.startingPosition !== 'LATEST') {
    problems.push(`startingPosition must be TRIM_HORIZON or LATEST, got ${String(opts.startingPosition)}`);
  }
  if (!opts.streamName) problems.push('streamName is required');
  if (problems.length > 0) {
    throw new RunnerError(
      RUNNER_ERROR_CODES.invalidConfig,
      `invalid EventSourceRunner options: ${problems.join('; ')}`,
    );
  }
}
