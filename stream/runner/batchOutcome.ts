/** How a handler invocation ended, by Lambda's ReportBatchItemFailures rules. */
export type BatchOutcome =
  | { kind: 'succeeded' }
  /** Records from `fromIndex` on are delivered again; those before it are done. */
  | { kind: 'itemFailures'; fromIndex: number }
  /** The whole batch failed: a thrown error or a response Lambda would reject. */
  | { kind: 'failed'; reason: string };

/** Judges a handler's response for a batch whose records have these sequence numbers, in order. */
export function evaluateBatchResponse(sequenceNumbers: readonly string[], response: unknown): BatchOutcome {
  // Lambda counts a null or empty response, or a null or empty list, as complete success.
  if (response === undefined || response === null) return { kind: 'succeeded' };
  if (typeof response !== 'object') return { kind: 'succeeded' };
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return { kind: 'succeeded' };
  if (!Array.isArray(failures)) {
    return { kind: 'failed', reason: 'batchItemFailures in the handler response is not a list' };
  }
  if (failures.length === 0) return { kind: 'succeeded' };
  // The lowest failed sequence number is the earliest failed record: a shard's records come in sequence order, and
  // positions compare where 56-digit sequence numbers would not, as text or as a Number.
  const indexOf = new Map(sequenceNumbers.map((seq, i) => [seq, i]));
  let fromIndex = Number.POSITIVE_INFINITY;
  for (const failure of failures) {
    const id: unknown = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    // Lambda fails the whole batch on an empty itemIdentifier, even if a record of the batch lacks a sequence number
    // (https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html).
    if (id === '') return { kind: 'failed', reason: 'batchItemFailures names an empty itemIdentifier' };
    const index = typeof id === 'string' ? indexOf.get(id) : undefined;
    if (index === undefined) {
      return {
        kind: 'failed',
        reason: `batchItemFailures names itemIdentifier ${JSON.stringify(id) ?? 'undefined'}, which is not a sequence number of the batch`,
      };
    }
    fromIndex = Math.min(fromIndex, index);
  }
  return { kind: 'itemFailures', fromIndex };
}
