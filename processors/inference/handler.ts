import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { isRetryable } from '../../kernel/errors.js';
import type { InferenceCore } from './core.js';
import type { BatchOutcome, InputRecord, PredictionSink, QuarantineRow, QuarantineSink } from './types.js';

export interface InferenceHandlerDeps {
  core: InferenceCore;
  sink: PredictionSink;
  quarantine: QuarantineSink;
  /** Called once per batch with its outcome, after the sinks accepted it (metrics, progress). */
  onOutcome?: (outcome: BatchOutcome) => void;
}

export type KinesisHandler = (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse>;

/**
 * The Lambda handler: Kinesis batch -> one scoring run -> sinks -> partial batch response. Poison records are
 * quarantined and never fail the batch; only a retryable sink error reports the batch's records as failures.
 */
export function createHandler(deps: InferenceHandlerDeps): KinesisHandler {
  return async (event) => {
    const records = toInputRecords(event);
    const outcome = await deps.core.inferBatch(records);
    try {
      const rejected = withRecordBytes(
        (await deps.sink.writePredictions(outcome.predictions)).rejected,
        records,
      );
      const quarantined = rejected.length > 0 ? [...outcome.quarantined, ...rejected] : outcome.quarantined;
      if (quarantined.length > 0) await deps.quarantine.quarantine(quarantined);
      if (rejected.length > 0) {
        const rejectedIds = new Set(rejected.map((q) => q.source.eventId));
        outcome.predictions = outcome.predictions.filter((p) => !rejectedIds.has(p.source.eventId));
        outcome.quarantined = quarantined;
      }
    } catch (error) {
      if (!isRetryable(error)) throw error;
      // Lambda retries from the lowest reported sequence number; both sinks are idempotent, so re-writing is safe.
      return { batchItemFailures: records.map((r) => ({ itemIdentifier: r.sequenceNumber })) };
    }
    deps.onOutcome?.(outcome);
    return { batchItemFailures: [] };
  };
}

/** Rows a sink refused carry the JSON of their prediction; quarantine keeps the record's own bytes instead. */
function withRecordBytes(rejected: QuarantineRow[], records: readonly InputRecord[]): QuarantineRow[] {
  if (rejected.length === 0) return rejected;
  const bytes = new Map(records.map((r) => [r.eventId, r.data]));
  return rejected.map((q) => ({ ...q, raw: bytes.get(q.source.eventId) ?? q.raw }));
}

/** Decodes every record's base64 payload into slices of one buffer: one allocation per batch, not per record. */
export function toInputRecords(event: KinesisStreamEvent): InputRecord[] {
  const source = event.Records;
  let capacity = 0;
  for (const r of source) capacity += (r.kinesis.data.length * 3) >>> 2;
  const bytes = Buffer.allocUnsafe(capacity);
  const records: InputRecord[] = new Array(source.length);
  let offset = 0;
  for (let i = 0; i < source.length; i++) {
    const r = source[i] as KinesisStreamEvent['Records'][number];
    const length = bytes.write(r.kinesis.data, offset, 'base64');
    records[i] = {
      eventId: r.eventID,
      sequenceNumber: r.kinesis.sequenceNumber,
      partitionKey: r.kinesis.partitionKey,
      // Seconds with a fraction in the event; whole epoch ms here, as every store's time column.
      arrivalTime: Math.round(r.kinesis.approximateArrivalTimestamp * 1000),
      data: bytes.subarray(offset, offset + length),
    };
    offset += length;
  }
  return records;
}
