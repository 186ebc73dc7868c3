import { describe, expect, it } from 'vitest';
import { poisonPlan } from '../../../app/pipeline/poison.js';
import { ReadingProducer, type RecordWriter } from '../../../app/pipeline/ReadingProducer.js';
import { decodeReading } from '../../../schemas/codec/readingCodec.js';
import type { WriteEntry, WriteResult } from '../../../stream/kinesis/KinesisWriter.js';
import { createSimulator } from '../../../stream/simulator/Simulator.js';

/** A writer that keeps every call, and fails the entries of the call numbers it is told to. */
class FakeWriter implements RecordWriter {
  readonly calls: WriteEntry[][] = [];
  constructor(private readonly failCall?: number) {}
  async write(entries: readonly WriteEntry[]): Promise<WriteResult> {
    this.calls.push([...entries]);
    if (this.calls.length === this.failCall) {
      return {
        written: 0,
        attempts: 5,
        failed: entries.map((entry) => ({
          entry,
          errorCode: 'ProvisionedThroughputExceededException',
          errorMessage: 'Rate exceeded for shard shardId-000000000000',
        })),
      };
    }
    return { written: entries.length, attempts: 1, failed: [] };
  }
}

const simulator = () =>
  createSimulator({ machines: 5, seed: 3, startTime: Date.UTC(2026, 0, 1), intervalMs: 1000 });

describe('reading producer', () => {
  it.each([
    { records: 23, chunk: 10, calls: [10, 10, 3] },
    { records: 20, chunk: 10, calls: [10, 10] },
    { records: 1, chunk: 500, calls: [1] },
  ])('writes $records records in calls of at most $chunk', async ({ records, chunk, calls }) => {
    const writer = new FakeWriter();
    const producer = new ReadingProducer({
      simulator: simulator(),
      writer,
      poison: poisonPlan(0),
      records,
      rate: 0,
      chunk,
    });
    await producer.run(performance.now());
    expect(writer.calls.map((c) => c.length)).toEqual(calls);
    expect(producer.produced).toBe(records);
    expect(producer.poisoned).toBe(0);
  });

  it('poisons the planned records, and hands on the truth of the good ones only', async () => {
    const writer = new FakeWriter();
    const good: string[] = [];
    const producer = new ReadingProducer({
      simulator: simulator(),
      writer,
      poison: poisonPlan(0.1),
      records: 30,
      rate: 0,
      chunk: 7,
      onReading: (reading) => good.push(`${reading.deviceId}#${reading.sequenceNumber}`),
    });
    await producer.run(performance.now());
    const entries = writer.calls.flat();
    expect(entries).toHaveLength(30);
    expect(producer.poisoned).toBe(3);
    const decoded = entries.map((e) => decodeReading(e.data));
    // Records 10, 20 and 30 (indexes 9, 19, 29, across chunk boundaries) are the bad ones: truncated,
    // unknown-schema and garbage, none of which decodes.
    expect(decoded.flatMap((d, i) => (d.ok ? [] : [i]))).toEqual([9, 19, 29]);
    const written = decoded.flatMap((d) =>
      d.ok ? [`${d.reading.deviceId}#${d.reading.sequenceNumber}`] : [],
    );
    expect(written).toHaveLength(27);
    expect(good).toEqual(written);
    // Each record goes to its machine's partition.
    for (const [i, e] of entries.entries()) {
      const d = decoded[i];
      if (d?.ok) expect(e.partitionKey).toBe(d.reading.deviceId);
    }
  });

  it('stops with an error naming the first failure when Kinesis keeps refusing records', async () => {
    const writer = new FakeWriter(2);
    const producer = new ReadingProducer({
      simulator: simulator(),
      writer,
      poison: poisonPlan(0),
      records: 30,
      rate: 0,
      chunk: 10,
    });
    await expect(producer.run(performance.now())).rejects.toThrow(
      '10 record(s) could not be written to Kinesis: Rate exceeded for shard shardId-000000000000',
    );
    expect(writer.calls).toHaveLength(2);
    expect(producer.produced).toBe(10);
  });

  it('produces until stopped when no count is set', async () => {
    const controller = new AbortController();
    const writer = new FakeWriter();
    writer.write = async function (this: FakeWriter, entries) {
      this.calls.push([...entries]);
      if (this.calls.length === 3) controller.abort();
      return { written: entries.length, attempts: 1, failed: [] };
    };
    const producer = new ReadingProducer({
      simulator: simulator(),
      writer,
      poison: poisonPlan(0),
      rate: 0,
      chunk: 4,
      signal: controller.signal,
    });
    await producer.run(performance.now());
    expect(producer.produced).toBe(12);
  });
});

describe('reading producer and the clock', () => {
  it('writes no reading before the time it is stamped with, so a live run follows the wall clock', async () => {
    const writer = new FakeWriter();
    const writtenAt: number[] = [];
    const write = writer.write.bind(writer);
    writer.write = async (entries) => {
      writtenAt.push(...entries.map(() => Date.now()));
      return write(entries);
    };
    const start = Date.now() + 50;
    const producer = new ReadingProducer({
      simulator: createSimulator({ machines: 4, seed: 3, startTime: start, intervalMs: 40 }),
      writer,
      poison: poisonPlan(0),
      records: 12,
      rate: 0,
      chunk: 500,
    });
    await producer.run(performance.now());
    const stamped = writer.calls.flat().map((e) => {
      const d = decodeReading(e.data);
      return d.ok ? d.reading.timestamp : Number.NaN;
    });
    expect(stamped).toHaveLength(12);
    stamped.forEach((t, i) => {
      expect(writtenAt[i]).toBeGreaterThanOrEqual(t);
    });
    // It waited for the readings, not for Kinesis: the stats say so.
    expect(producer.stats().clockWaitMs).toBeGreaterThan(producer.stats().writeMs);
    expect(writer.calls.length).toBeGreaterThan(1);
  });

  it('back-fills readings stamped in the past at once, in chunks', async () => {
    const writer = new FakeWriter();
    const producer = new ReadingProducer({
      simulator: simulator(),
      writer,
      poison: poisonPlan(0),
      records: 1200,
      rate: 0,
      chunk: 500,
    });
    await producer.run(performance.now());
    expect(writer.calls.map((c) => c.length)).toEqual([500, 500, 200]);
    expect(producer.stats()).toMatchObject({ written: 1200, writes: 3, clockWaitMs: 0, rateWaitMs: 0 });
  });
});
