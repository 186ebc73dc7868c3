import { describe, expect, it } from 'vitest';
import { PfmError } from '../../../kernel/errors.js';
import type { InferenceCore } from '../../../processors/inference/core.js';
import { createHandler } from '../../../processors/inference/handler.js';
import type {
  BatchOutcome,
  InputRecord,
  PredictionRow,
  PredictionSink,
  QuarantineRow,
  QuarantineSink,
} from '../../../processors/inference/types.js';
import { kinesisEvent } from '../../fixtures/kinesis/events.js';

// A hand-written fake core: payload byte 0 = 1 scores, anything else is poison.
const fakeCore: InferenceCore = {
  async inferBatch(records: readonly InputRecord[]): Promise<BatchOutcome> {
    const predictions: PredictionRow[] = [];
    const quarantined: QuarantineRow[] = [];
    for (const r of records) {
      const source = {
        eventId: r.eventId,
        sequenceNumber: r.sequenceNumber,
        partitionKey: r.partitionKey,
        arrivalTime: r.arrivalTime,
      };
      if (r.data[0] === 1) predictions.push({ source, deviceId: r.partitionKey } as PredictionRow);
      else
        quarantined.push({
          source,
          receivedAt: 0,
          stage: 'decode',
          code: 'BAD_MARKER',
          reason: 'bad',
          deviceId: null,
          raw: r.data,
        });
    }
    return { received: records.length, predictions, quarantined };
  },
};

class MemorySinks implements PredictionSink, QuarantineSink {
  predictions: PredictionRow[] = [];
  quarantined: QuarantineRow[] = [];
  failWith: Error | undefined;
  rejectFirst = 0;
  async writePredictions(rows: readonly PredictionRow[]) {
    if (this.failWith) throw this.failWith;
    const rejected = rows.slice(0, this.rejectFirst).map(
      (p): QuarantineRow => ({
        source: p.source,
        receivedAt: 0,
        stage: 'sink',
        code: 'REJECTED',
        reason: 'stale version',
        deviceId: p.deviceId,
        raw: new Uint8Array(),
      }),
    );
    this.predictions.push(...rows.slice(this.rejectFirst));
    return { rejected };
  }
  async quarantine(rows: readonly QuarantineRow[]) {
    if (this.failWith) throw this.failWith;
    this.quarantined.push(...rows);
  }
}

const payloads = [1, 1, 0, 1, 0].map((b) => new Uint8Array([b, 42]));

describe('inference handler', () => {
  it('scores good records, quarantines poison with raw bytes, and reports no failures', async () => {
    const sinks = new MemorySinks();
    const outcomes: BatchOutcome[] = [];
    const handler = createHandler({
      core: fakeCore,
      sink: sinks,
      quarantine: sinks,
      onOutcome: (o) => outcomes.push(o),
    });
    const response = await handler(kinesisEvent(payloads));
    expect(response).toEqual({ batchItemFailures: [] });
    expect(sinks.predictions).toHaveLength(3);
    expect(sinks.quarantined).toHaveLength(2);
    expect([...(sinks.quarantined[0]?.raw ?? [])]).toEqual([0, 42]);
    expect(outcomes[0]?.received).toBe(sinks.predictions.length + sinks.quarantined.length);
  });

  it('moves records the sink rejects to the quarantine, keeping received = scored + quarantined', async () => {
    const sinks = new MemorySinks();
    sinks.rejectFirst = 1;
    const outcomes: BatchOutcome[] = [];
    const handler = createHandler({
      core: fakeCore,
      sink: sinks,
      quarantine: sinks,
      onOutcome: (o) => outcomes.push(o),
    });
    await handler(kinesisEvent(payloads));
    const [o] = outcomes;
    expect(o?.predictions).toHaveLength(2);
    expect(o?.quarantined.map((q) => q.code).sort()).toEqual(['BAD_MARKER', 'BAD_MARKER', 'REJECTED']);
    // The refused row is quarantined with its record's own bytes, not whatever the sink attached.
    expect([...(o?.quarantined.find((q) => q.code === 'REJECTED')?.raw ?? [])]).toEqual([1, 42]);
    expect((o?.predictions.length ?? 0) + (o?.quarantined.length ?? 0)).toBe(o?.received);
  });

  it('reports every record as a batch item failure when the sink is throttled (retryable)', async () => {
    const sinks = new MemorySinks();
    sinks.failWith = new PfmError('SINK_UNAVAILABLE', 'throttled', { retryable: true });
    const handler = createHandler({ core: fakeCore, sink: sinks, quarantine: sinks });
    const response = await handler(kinesisEvent(payloads, 7n));
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['7', '8', '9', '10', '11']);
  });

  it('throws a non-retryable sink error so the whole batch fails visibly', async () => {
    const sinks = new MemorySinks();
    sinks.failWith = new Error('schema mismatch');
    const handler = createHandler({ core: fakeCore, sink: sinks, quarantine: sinks });
    await expect(handler(kinesisEvent(payloads))).rejects.toThrow('schema mismatch');
  });
});
