import type {
  KinesisStreamRecord,
  KinesisStreamStateResponse,
  KinesisStreamTumblingWindowEvent,
} from 'aws-lambda';
import { createDeadlineBackoff, type DeadlineBackoff } from '../../kernel/backoff.js';
import { isRetryable } from '../../kernel/errors.js';
import { type DecodeResult, decodeReading } from '../../schemas/codec/readingCodec.js';
import type { SensorReading } from '../../schemas/reading.js';
import type { EventPublisher } from '../events/types.js';
import type { InvocationContext, KinesisHandler, WriteRetrySettings } from '../inference/handler.js';
import { physicalProblem } from '../inference/validateReading.js';
import { STATE_LIMIT_BYTES } from './constants.js';
import type { DriftCore } from './core.js';
import { type FleetWindowRule, foldPartial, type ShardPartial } from './fleetWindow.js';
import { initialStoredState } from './storedState.js';
import type { DriftScoreSink, DriftStateStore, Evaluation, StoredDriftState, WindowState } from './types.js';
import { decodeWindow, emptyWindow, encodeWindow } from './window.js';

/** One shard's batch after decoding: undecodable records are counted and carry no reading. */
export interface DriftBatch {
  shardId: string;
  records: { sequenceNumber: string; reading: SensorReading | undefined }[];
  undecodable: number;
}

/** What the local handler feeds (DriftMonitor). */
export interface DriftBatchConsumer {
  /** Folds a decoded batch in; throws a retryable PfmError when the output could not be written yet. */
  ingest(batch: DriftBatch): Promise<void>;
}

/** The shard a record came from: Lambda's and the local runner's event ids are `shardId:sequenceNumber`. */
export function shardOf(record: KinesisStreamRecord): string {
  const id = record.eventID;
  const colon = id.lastIndexOf(':');
  return colon > 0 ? id.slice(0, colon) : 'shard';
}

/**
 * Decodes a Kinesis event's records; a record that is undecodable or physically impossible (both of which the
 * inference processor quarantines) is skipped and counted, never an error, and never enters the statistics:
 * one negative torque would otherwise read as a variance change of the whole window.
 */
export function decodeBatch(
  records: readonly KinesisStreamRecord[],
  decode: (bytes: Uint8Array) => DecodeResult,
): DriftBatch[] {
  const byShard = new Map<string, DriftBatch>();
  for (const r of records) {
    const shardId = shardOf(r);
    let batch = byShard.get(shardId);
    if (!batch) {
      batch = { shardId, records: [], undecodable: 0 };
      byShard.set(shardId, batch);
    }
    const decoded = decode(Buffer.from(r.kinesis.data, 'base64'));
    if (decoded.ok && physicalProblem(decoded.reading) === undefined)
      batch.records.push({ sequenceNumber: r.kinesis.sequenceNumber, reading: decoded.reading });
    else {
      // The inference processor quarantines these; the drift monitor only counts them.
      batch.undecodable++;
      batch.records.push({ sequenceNumber: r.kinesis.sequenceNumber, reading: undefined });
    }
  }
  return [...byShard.values()];
}

/**
 * The drift monitor's handler for a Lambda-style event source (the local runner): decode, hand the batch to
 * the monitor. It never fails on a record; only a retryable sink/publisher error reports the batch as failed,
 * so the runner redelivers it (the monitor recognizes the records and only retries its pending output).
 */
export function createDriftHandler(deps: {
  monitor: DriftBatchConsumer;
  decode?: (bytes: Uint8Array) => DecodeResult;
}): KinesisHandler {
  const decode = deps.decode ?? decodeReading;
  return async (event) => {
    try {
      for (const batch of decodeBatch(event.Records, decode)) await deps.monitor.ingest(batch);
    } catch (error) {
      if (!isRetryable(error)) throw error;
      return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.kinesis.sequenceNumber })) };
    }
    return { batchItemFailures: [] };
  };
}

/** Lambda's tumbling-window event as delivered, with the fields the type package leaves out. */
export type TumblingWindowEvent = KinesisStreamTumblingWindowEvent & {
  shardId?: string;
  eventSourceARN?: string;
};
export type TumblingWindowHandler = (
  event: TumblingWindowEvent,
  context?: InvocationContext,
) => Promise<KinesisStreamStateResponse>;

/** The keys under which the shard's partial travels in Lambda's `state`: the window, its highest sequence number. */
export const WINDOW_STATE_KEY = 'w';
export const SEQUENCE_STATE_KEY = 'q';

/** What one shard's final invocation did with its partial (for logs and tests). */
export interface PartialOutcome {
  shardId: string;
  /** The tumbling period, ISO-8601. */
  period: string;
  records: number;
  /** The partial had been folded before (a retried final invocation). */
  duplicate: boolean;
  /** The fleet window it closed, if any, and what the open window holds now. */
  closedSeq: number | undefined;
  openRecords: number;
  openPartials: number;
}

export interface TumblingWindowDeps {
  core: DriftCore;
  store: DriftStateStore;
  publisher: EventPublisher;
  scoreSink: DriftScoreSink;
  /** When a fleet window closes (its readings: the calibration's window size). */
  rule: FleetWindowRule;
  decode?: (bytes: Uint8Array) => DecodeResult;
  /** Lambda's limit on the state returned per shard; a partial about to outgrow it goes to the store early. */
  stateLimitBytes?: number;
  onEvaluation?: (evaluation: Evaluation) => void;
  onPartial?: (outcome: PartialOutcome) => void;
  /**
   * Retry a window's output (scores, events) the store or the bus refused as retryable, within the invocation,
   * until its remaining time (the Lambda context's) runs short, as the inference handler does: a store outage of
   * tens of seconds is ridden out instead of costing one of the event source's retries. Without it, or without a
   * context, the first refusal fails the invocation (the output stays pending and goes out on the next one).
   */
  writeRetry?: WriteRetrySettings;
  /** Called when a window's output is given up on in this invocation (it stays pending in the store). */
  onOutputGivenUp?: (info: { attempts: number; error: unknown }) => void;
}

/**
 * The Lambda handler under Kinesis tumbling windows, whatever the number of shards (an on-demand stream
 * splits and merges them; no shard count is configured). Each invocation folds its records into the shard's
 * partial of the period, carried in Lambda's `state`; the period's final invocation (or one whose partial
 * would outgrow Lambda's state limit) folds the partial into the fleet window in the state store, under its
 * lock (foldPartial): a fleet window closes at the first period boundary after it holds the calibration's
 * number of readings, from whichever shards sent them. The closed window is evaluated and the new decision
 * memory stored together with the window's output as pending; then the scores are written, the events
 * published and the pending output cleared. A failure throws a retryable error: Lambda retries the batch with
 * its previous state, the shard's mark makes a second fold a no-op, and a pending output is retried first, by
 * whichever invocation comes next. Events keep their ids throughout.
 */
export function createTumblingWindowHandler(deps: TumblingWindowDeps): TumblingWindowHandler {
  const decode = deps.decode ?? decodeReading;
  const limit = deps.stateLimitBytes ?? STATE_LIMIT_BYTES;

  const now = deps.writeRetry?.hooks?.now ?? Date.now;

  /** Scores then events; both are idempotent (scores keyed by window, events by id), so a retry repeats both. */
  async function output(
    pending: NonNullable<StoredDriftState['pending']>,
    retry: DeadlineBackoff | undefined,
  ): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const startedAt = now();
      try {
        await deps.scoreSink.writeDriftScores(pending.rows);
        await deps.publisher.publish(pending.events);
        return;
      } catch (error) {
        if (isRetryable(error) && retry !== undefined && (await retry.next(attempt, now() - startedAt)))
          continue;
        if (isRetryable(error)) deps.onOutputGivenUp?.({ attempts: attempt, error });
        throw error;
      }
    }
  }

  async function fold(
    partial: ShardPartial,
    periodIso: string,
    retry: DeadlineBackoff | undefined,
  ): Promise<void> {
    await deps.store.withLock(async () => {
      let state = (await deps.store.readState()) ?? initialStoredState(deps.core.initialState());
      let changed = false;
      if (state.pending) {
        // Output of an earlier window that did not get out: it goes first, so windows leave in order.
        await output(state.pending, retry);
        state = { ...state, pending: null };
        changed = true;
      }
      const { next, closed, duplicate } = foldPartial(state.fleet, partial, deps.rule);
      let evaluation: Evaluation | undefined;
      if (!duplicate) {
        state = { ...state, fleet: next };
        changed = true;
        if (closed) {
          evaluation = deps.core.evaluate(closed, state.monitor);
          if (evaluation.applied) {
            state = {
              ...state,
              monitor: evaluation.state,
              pending: { seq: closed.seq, rows: evaluation.rows, events: evaluation.events },
            };
          }
        }
      }
      deps.onPartial?.({
        shardId: partial.shardId,
        period: periodIso,
        records: partial.window.records,
        duplicate,
        closedSeq: closed?.seq,
        openRecords: state.fleet.window.records,
        openPartials: state.fleet.partials,
      });
      if (!changed) return;
      await deps.store.writeState(state);
      // Evaluated for good: the decision memory has moved on; its output follows, now or on a retry.
      if (evaluation?.applied) deps.onEvaluation?.(evaluation);
      if (state.pending) {
        await output(state.pending, retry);
        await deps.store.writeState({ ...state, pending: null });
      }
    });
  }

  return async (event, context) => {
    const previous = event.state?.[WINDOW_STATE_KEY];
    const window: WindowState = typeof previous === 'string' ? decodeWindow(previous) : emptyWindow();
    const previousSequence = event.state?.[SEQUENCE_STATE_KEY];
    let maxSequence = typeof previousSequence === 'string' ? previousSequence : undefined;
    for (const batch of decodeBatch(event.Records, decode)) {
      window.undecodable += batch.undecodable;
      for (const r of batch.records) {
        if (r.reading) deps.core.add(window, r.reading);
        if (maxSequence === undefined || BigInt(r.sequenceNumber) > BigInt(maxSequence))
          maxSequence = r.sequenceNumber;
      }
    }
    const encoded = encodeWindow(window);
    // Keep a margin under Lambda's limit for the state's own keys and the sequence number.
    const fits = Buffer.byteLength(encoded, 'utf8') <= limit - 1024;
    if (!event.isFinalInvokeForWindow && fits) {
      return {
        state: {
          [WINDOW_STATE_KEY]: encoded,
          ...(maxSequence !== undefined ? { [SEQUENCE_STATE_KEY]: maxSequence } : {}),
        },
        batchItemFailures: [],
      };
    }
    const shardId = event.shardId ?? (event.Records[0] ? shardOf(event.Records[0]) : 'shard');
    const retry =
      deps.writeRetry !== undefined && context !== undefined
        ? createDeadlineBackoff(
            deps.writeRetry,
            now() + context.getRemainingTimeInMillis(),
            deps.writeRetry.hooks,
          )
        : undefined;
    await fold(
      { shardId, period: Date.parse(event.window.start), window, maxSequence },
      event.window.start,
      retry,
    );
    // The partial is in the store: the shard starts afresh (the next period, or the rest of this one).
    return { state: {}, batchItemFailures: [] };
  };
}
