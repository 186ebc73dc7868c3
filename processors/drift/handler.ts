import type {
  KinesisStreamRecord,
  KinesisStreamStateResponse,
  KinesisStreamTumblingWindowEvent,
} from 'aws-lambda';
import { isRetryable } from '../../kernel/errors.js';
import { type DecodeResult, decodeReading } from '../../schemas/codec/readingCodec.js';
import type { SensorReading } from '../../schemas/reading.js';
import type { KinesisHandler } from '../inference/handler.js';
import { physicalProblem } from '../inference/validateReading.js';
import type { DriftCore } from './core.js';
import type { DriftScoreSink, DriftStateStore, Evaluation, EventPublisher, WindowState } from './types.js';
import { decodeWindow, emptyWindow, encodeWindowWithinLimit, mergeWindows } from './window.js';

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
export type TumblingWindowHandler = (event: TumblingWindowEvent) => Promise<KinesisStreamStateResponse>;

/** The key under which the window travels in Lambda's `state`. */
export const WINDOW_STATE_KEY = 'w';

export interface TumblingWindowDeps {
  core: DriftCore;
  store: DriftStateStore;
  publisher: EventPublisher;
  scoreSink: DriftScoreSink;
  /** Shards whose final partials make a complete fleet window. */
  expectedShards: number;
  decode?: (bytes: Uint8Array) => DecodeResult;
  onEvaluation?: (evaluation: Evaluation) => void;
  onWindowPartial?: (info: { shardId: string; window: string; records: number; complete: boolean }) => void;
}

/**
 * The Lambda handler under Kinesis tumbling windows: each invocation folds its records into the shard's window
 * state (returned to Lambda, at most 1 MB); the final invocation of a window hands the shard's partial to the
 * state store, and whichever shard completes the window merges the partials exactly, evaluates, writes the
 * scores and publishes the events. Failures are retryable errors thrown out, so Lambda retries the batch with
 * its previous state: nothing is double counted and the events keep their ids.
 */
export function createTumblingWindowHandler(deps: TumblingWindowDeps): TumblingWindowHandler {
  const decode = deps.decode ?? decodeReading;
  return async (event) => {
    const previous = event.state?.[WINDOW_STATE_KEY];
    const window: WindowState = typeof previous === 'string' ? decodeWindow(previous) : emptyWindow();
    for (const batch of decodeBatch(event.Records, decode)) {
      window.undecodable += batch.undecodable;
      for (const r of batch.records) if (r.reading) deps.core.add(window, r.reading);
    }
    const encoded = encodeWindowWithinLimit(window);
    if (!event.isFinalInvokeForWindow)
      return { state: { [WINDOW_STATE_KEY]: encoded }, batchItemFailures: [] };

    const shardId = event.shardId ?? (event.Records[0] ? shardOf(event.Records[0]) : 'shard');
    const start = Date.parse(event.window.start);
    const end = Date.parse(event.window.end);
    const windowKey = String(start);
    await deps.store.withLock(async () => {
      const state = (await deps.store.readMonitorState()) ?? deps.core.initialState();
      if (state.lastSeq !== null && start <= state.lastSeq) {
        // A retried final invocation of a window that was already evaluated: nothing to add.
        await deps.store.deletePartials(windowKey);
        return;
      }
      await deps.store.putPartial(windowKey, shardId, encoded);
      const partials = await deps.store.partials(windowKey);
      const complete = partials.length >= deps.expectedShards;
      deps.onWindowPartial?.({ shardId, window: event.window.start, records: window.records, complete });
      if (!complete) return;
      const merged = partials.map(decodeWindow).reduce(mergeWindows, emptyWindow());
      const evaluation = deps.core.evaluate(
        { seq: start, start, end, state: merged, terminatedEarly: event.isWindowTerminatedEarly },
        state,
      );
      if (evaluation.applied) {
        await deps.scoreSink.writeDriftScores(evaluation.rows);
        await deps.publisher.publish(evaluation.events);
        await deps.store.writeMonitorState(evaluation.state);
        deps.onEvaluation?.(evaluation);
      }
      await deps.store.deletePartials(windowKey);
    });
    // The window is done: the next one starts from an empty state.
    return { state: {}, batchItemFailures: [] };
  };
}
