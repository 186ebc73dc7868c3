import { describe, expect, it } from 'vitest';
import { PfmError } from '../../../kernel/errors.js';
import type { InferenceCore } from '../../../processors/inference/core.js';
import { createHandler, WRITE_RETRY_DEFAULTS } from '../../../processors/inference/handler.js';
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

/** A store that refuses (retryable) until the fake clock reaches `upAt`, and counts the writes it took. */
class OutageSinks extends MemorySinks {
  calls = 0;
  constructor(
    private readonly clock: { now: number },
    private readonly upAt: number,
  ) {
    super();
  }
  private check(): void {
    this.calls++;
    this.clock.now += 2; // a refused connection fails in a couple of milliseconds
    if (this.clock.now < this.upAt)
      throw new PfmError('SINK_UNAVAILABLE', 'ECONNREFUSED', { retryable: true });
  }
  override async writePredictions(rows: readonly PredictionRow[]) {
    this.check();
    return super.writePredictions(rows);
  }
  override async quarantine(rows: readonly QuarantineRow[]) {
    this.check();
    return super.quarantine(rows);
  }
}

describe('inference handler: riding out a store outage within the invocation', () => {
  function setup(outageMs: number, invocationMs: number | undefined) {
    const clock = { now: 1_000_000 };
    const sinks = new OutageSinks(clock, clock.now + outageMs);
    const givenUp: { attempts: number }[] = [];
    const handler = createHandler({
      core: fakeCore,
      sink: sinks,
      quarantine: sinks,
      writeRetry: {
        ...WRITE_RETRY_DEFAULTS,
        hooks: {
          now: () => clock.now,
          random: () => 0.5,
          sleep: async (ms) => {
            clock.now += ms;
          },
        },
      },
      onWriteGivenUp: (info) => givenUp.push(info),
    });
    const started = clock.now;
    const context =
      invocationMs === undefined
        ? undefined
        : { getRemainingTimeInMillis: () => started + invocationMs - clock.now };
    return { clock, sinks, givenUp, handler, context, started };
  }

  it('waits out a 40 s outage inside a 60 s invocation and stores the batch once, poison included', async () => {
    const { clock, sinks, givenUp, handler, context, started } = setup(40_000, 60_000);
    const response = await handler(kinesisEvent(payloads), context);
    expect(response).toEqual({ batchItemFailures: [] });
    expect(givenUp).toEqual([]);
    expect(clock.now - started).toBeGreaterThanOrEqual(40_000);
    expect(clock.now - started).toBeLessThan(60_000 - WRITE_RETRY_DEFAULTS.marginMs);
    // Tens of attempts, not hundreds: the waits grow to 2.5 s (half of the 5 s cap at this jitter).
    expect(sinks.calls).toBeGreaterThan(10);
    expect(sinks.calls).toBeLessThan(40);
    expect(sinks.predictions).toHaveLength(3);
    expect(sinks.quarantined).toHaveLength(2);
  });

  it('gives the batch back before the function timeout when the outage outlasts the invocation', async () => {
    const { clock, givenUp, handler, context, started } = setup(300_000, 60_000);
    const response = await handler(kinesisEvent(payloads, 7n), context);
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['7', '8', '9', '10', '11']);
    expect(clock.now - started).toBeLessThanOrEqual(60_000 - WRITE_RETRY_DEFAULTS.marginMs);
    expect(clock.now - started).toBeGreaterThan(50_000);
    expect(givenUp).toHaveLength(1);
    expect(givenUp[0]?.attempts).toBeGreaterThan(10);
  });

  it('without a Lambda context (no deadline known) gives the batch back at the first refusal', async () => {
    const { sinks, givenUp, handler } = setup(10_000, undefined);
    const response = await handler(kinesisEvent(payloads));
    expect(response.batchItemFailures).toHaveLength(5);
    expect(sinks.calls).toBe(1);
    expect(givenUp).toEqual([{ attempts: 1, error: expect.any(PfmError) }]);
  });

  it('does not retry what the store refuses for good', async () => {
    const sinks = new MemorySinks();
    sinks.failWith = new PfmError('SINK_REJECTED', 'unknown database');
    const handler = createHandler({
      core: fakeCore,
      sink: sinks,
      quarantine: sinks,
      writeRetry: WRITE_RETRY_DEFAULTS,
    });
    await expect(handler(kinesisEvent(payloads), { getRemainingTimeInMillis: () => 60_000 })).rejects.toThrow(
      'unknown database',
    );
  });
});
