import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { createDeadlineBackoff, type DeadlineRetrySettings, type RetryHooks } from '../../kernel/backoff.js';
import { isRetryable } from '../../kernel/errors.js';
import type { InferenceCore } from './core.js';
import type { BatchOutcome, InputRecord, PredictionSink, QuarantineRow, QuarantineSink } from './types.js';

/** How the handler retries a refused write within one invocation (see {@link InferenceHandlerDeps.writeRetry}). */
export interface WriteRetrySettings extends DeadlineRetrySettings {
  /** Injected for tests: the clock, the jitter and the sleep. */
  hooks?: RetryHooks & { now?: () => number };
}

/**
 * The Lambda's write retries: a sink outage or throttling burst is waited out for as long as the invocation may
 * run, waits growing to 5 s, one second kept to answer (see kernel/backoff.ts createDeadlineBackoff).
 */
export const WRITE_RETRY_DEFAULTS: WriteRetrySettings = {
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  marginMs: 1_000,
};

export interface InferenceHandlerDeps {
  core: InferenceCore;
  sink: PredictionSink;
  quarantine: QuarantineSink;
  /** Called once per batch with its outcome, after the sinks accepted it (metrics, progress). */
  onOutcome?: (outcome: BatchOutcome) => void;
  /**
   * Retry a write the sinks refused as retryable, within the invocation, until its remaining time (the Lambda
   * context's) runs short: each of the event source's retries then rides out most of the function timeout
   * instead of failing in milliseconds. Without it, or without a context, the first refusal fails the batch.
   */
  writeRetry?: WriteRetrySettings;
  /** Called when the writes of a batch are given up on in this invocation (the event source will retry it). */
  onWriteGivenUp?: (info: { attempts: number; error: unknown }) => void;
}

/** What the handler reads of the Lambda context: how long the invocation may still run. */
export type InvocationContext = Pick<Context, 'getRemainingTimeInMillis'>;

export type KinesisHandler = (
  event: KinesisStreamEvent,
  context?: InvocationContext,
) => Promise<KinesisStreamBatchResponse>;

/**
 * The Lambda handler: Kinesis batch -> one scoring run -> sinks -> partial batch response. Poison records are
 * quarantined and never fail the batch; only a retryable sink error, once the invocation's time for retries is
 * spent, reports the batch's records as failures.
 */
export function createHandler(deps: InferenceHandlerDeps): KinesisHandler {
  return async (event, context) => {
    const records = toInputRecords(event);
    const outcome = await deps.core.inferBatch(records);
    const retry = writeBackoff(deps.writeRetry, context);
    const now = deps.writeRetry?.hooks?.now ?? Date.now;
    for (let attempt = 1; ; attempt++) {
      const startedAt = now();
      try {
        await writeOutcome(deps, outcome, records);
        break;
      } catch (error) {
        if (!isRetryable(error)) throw error;
        // The same rows are written again: both sinks are idempotent, and the quarantine rows keep their times.
        if (retry !== undefined && (await retry.next(attempt, now() - startedAt))) continue;
        deps.onWriteGivenUp?.({ attempts: attempt, error });
        // Lambda retries from the lowest reported sequence number.
        return { batchItemFailures: records.map((r) => ({ itemIdentifier: r.sequenceNumber })) };
      }
    }
    deps.onOutcome?.(outcome);
    return { batchItemFailures: [] };
  };
}

function writeBackoff(settings: WriteRetrySettings | undefined, context: InvocationContext | undefined) {
  if (settings === undefined || context === undefined) return undefined;
  const now = settings.hooks?.now ?? Date.now;
  return createDeadlineBackoff(settings, now() + context.getRemainingTimeInMillis(), settings.hooks);
}

/** Predictions, then quarantine (poison and refused predictions); the outcome says what was stored only after both. */
async function writeOutcome(
  deps: InferenceHandlerDeps,
  outcome: BatchOutcome,
  records: readonly InputRecord[],
): Promise<void> {
  const rejected = withRecordBytes((await deps.sink.writePredictions(outcome.predictions)).rejected, records);
  const quarantined = rejected.length > 0 ? [...outcome.quarantined, ...rejected] : outcome.quarantined;
  if (quarantined.length > 0) await deps.quarantine.quarantine(quarantined);
  if (rejected.length > 0) {
    const rejectedIds = new Set(rejected.map((q) => q.source.eventId));
    outcome.predictions = outcome.predictions.filter((p) => !rejectedIds.has(p.source.eventId));
    outcome.quarantined = quarantined;
  }
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
