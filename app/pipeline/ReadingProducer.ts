import { sleep } from '../../kernel/backoff.js';
import { encodeReading } from '../../schemas/codec/readingCodec.js';
import type { SensorReading } from '../../schemas/reading.js';
import type { WriteEntry, WriteResult } from '../../stream/kinesis/KinesisWriter.js';
import type { GroundTruth, SimulatedReading } from '../../stream/simulator/types.js';
import { type PoisonKind, poisonRecord } from './poison.js';

/** The one call the producer makes; a KinesisWriter satisfies it, and so does a test's fake. */
export interface RecordWriter {
  write(entries: readonly WriteEntry[]): Promise<WriteResult>;
}

export interface ReadingProducerOptions {
  simulator: { next(): SimulatedReading };
  writer: RecordWriter;
  /** Which records to replace by bad ones (poison.ts). */
  poison: (index: number) => PoisonKind | undefined;
  /** Records to produce; undefined produces until `signal` aborts. */
  records?: number;
  /** Readings per second; 0 writes as fast as the writer takes them. */
  rate: number;
  /** Records per write. */
  chunk: number;
  signal?: AbortSignal;
  /** Each good reading with its ground truth, before it is written. */
  onReading?: (reading: SensorReading, truth: GroundTruth) => void;
}

/** The producer side of a run: simulated readings, some poisoned, written to the stream at the set rate. */
export class ReadingProducer {
  /** Records written so far. */
  produced = 0;
  /** Records written so far that were deliberately bad. */
  poisoned = 0;

  constructor(private readonly opts: ReadingProducerOptions) {}

  /**
   * Produces until the record count is reached or the signal aborts, pacing against `began` (a
   * performance.now() time); throws if the writer could not write some record, naming the first error.
   */
  async run(began: number): Promise<void> {
    const { opts } = this;
    while (!opts.signal?.aborted && (opts.records === undefined || this.produced < opts.records)) {
      const n = opts.records === undefined ? opts.chunk : Math.min(opts.chunk, opts.records - this.produced);
      const entries: WriteEntry[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const { reading, truth } = opts.simulator.next();
        const kind = opts.poison(this.produced + i);
        if (kind) this.poisoned++;
        else opts.onReading?.(reading, truth);
        entries[i] = {
          data: kind ? poisonRecord(reading, kind) : encodeReading(reading),
          partitionKey: reading.deviceId,
        };
      }
      const result = await opts.writer.write(entries);
      if (result.failed.length > 0) {
        throw new Error(
          `${result.failed.length} record(s) could not be written to Kinesis: ${result.failed[0]?.errorMessage}`,
        );
      }
      this.produced += n;
      if (opts.rate > 0) {
        const due = began + (this.produced / opts.rate) * 1000;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait, opts.signal).catch(() => undefined);
      }
    }
  }
}
