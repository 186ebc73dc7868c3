import { sleep } from '../../kernel/backoff.js';
import { encodeReading } from '../../schemas/codec/readingCodec.js';
import type { SensorReading } from '../../schemas/reading.js';
import type { WriteEntry, WriteResult } from '../../stream/kinesis/KinesisWriter.js';
import type { GroundTruth, SimulatedReading } from '../../stream/simulator/types.js';
import { type PoisonKind, poisonRecord } from './poison.js';
import type { ProducerStats } from './rateLimit.js';

/** The one call the producer makes; a KinesisWriter satisfies it, and so does a test's fake. */
export interface RecordWriter {
  write(entries: readonly WriteEntry[]): Promise<WriteResult>;
}

export interface ReadingProducerOptions {
  /** The fleet: its next reading, and when that reading is stamped (epoch ms). */
  simulator: { next(): SimulatedReading; readonly nextTimestamp: number };
  writer: RecordWriter;
  /** Which records to replace by bad ones (poison.ts). */
  poison: (index: number) => PoisonKind | undefined;
  /** Records to produce; undefined produces until `signal` aborts. */
  records?: number;
  /** Most readings per second; 0 writes as fast as the writer takes them. */
  rate: number;
  /** Records per write. */
  chunk: number;
  signal?: AbortSignal;
  /** Wall clock (epoch ms): no reading is written before the time it is stamped with. */
  clock?: () => number;
  /** Each good reading with its ground truth, before it is written. */
  onReading?: (reading: SensorReading, truth: GroundTruth) => void;
}

/** A live run that is up to date looks for due readings at least this often. */
const MAX_CLOCK_WAIT_MS = 1000;

/**
 * The producer side of a run: simulated readings, some poisoned, written to the stream. A reading stamped in
 * the past is written at once (a back-fill goes as fast as the writer and the rate allow); one stamped in
 * the future waits for its time, so a run that goes on live follows the wall clock.
 */
export class ReadingProducer {
  /** Records written so far. */
  produced = 0;
  /** Records written so far that were deliberately bad. */
  poisoned = 0;
  private readonly time: Omit<ProducerStats, 'written' | 'producingMs'> = {
    writes: 0,
    writeMs: 0,
    rateWaitMs: 0,
    clockWaitMs: 0,
  };
  private started: number | undefined;
  private finished: number | undefined;

  constructor(private readonly opts: ReadingProducerOptions) {}

  /** Where the producer's time went so far (see whatLimitedTheRate). */
  stats(): ProducerStats {
    const end = this.finished ?? performance.now();
    return {
      written: this.produced,
      producingMs: this.started === undefined ? 0 : end - this.started,
      ...this.time,
    };
  }

  /**
   * Produces until the record count is reached or the signal aborts, pacing the rate against `began` (a
   * performance.now() time); throws if the writer could not write some record, naming the first error.
   */
  async run(began: number): Promise<void> {
    const { opts } = this;
    const clock = opts.clock ?? Date.now;
    this.started = performance.now();
    try {
      while (!opts.signal?.aborted && (opts.records === undefined || this.produced < opts.records)) {
        const wait = opts.simulator.nextTimestamp - clock();
        if (wait > 0) {
          await this.pause(Math.min(wait, MAX_CLOCK_WAIT_MS), 'clockWaitMs');
          continue;
        }
        const entries = this.due(clock());
        const before = performance.now();
        const result = await opts.writer.write(entries);
        this.time.writes++;
        this.time.writeMs += performance.now() - before;
        if (result.failed.length > 0) {
          throw new Error(
            `${result.failed.length} record(s) could not be written to Kinesis: ${result.failed[0]?.errorMessage}`,
          );
        }
        this.produced += entries.length;
        if (opts.rate > 0) {
          const due = began + (this.produced / opts.rate) * 1000;
          const hold = due - performance.now();
          if (hold > 0) await this.pause(hold, 'rateWaitMs');
        }
      }
    } finally {
      this.finished = performance.now();
    }
  }

  /** The next chunk of readings stamped at or before `now` (at least one: the caller saw it is due). */
  private due(now: number): WriteEntry[] {
    const { opts } = this;
    const room = opts.records === undefined ? opts.chunk : Math.min(opts.chunk, opts.records - this.produced);
    const entries: WriteEntry[] = [];
    while (entries.length < room && (entries.length === 0 || opts.simulator.nextTimestamp <= now)) {
      const index = this.produced + entries.length;
      const { reading, truth } = opts.simulator.next();
      const kind = opts.poison(index);
      if (kind) this.poisoned++;
      else opts.onReading?.(reading, truth);
      entries.push({
        data: kind ? poisonRecord(reading, kind) : encodeReading(reading),
        partitionKey: reading.deviceId,
      });
    }
    return entries;
  }

  private async pause(ms: number, counter: 'rateWaitMs' | 'clockWaitMs'): Promise<void> {
    const before = performance.now();
    await sleep(ms, this.opts.signal).catch(() => undefined);
    this.time[counter] += performance.now() - before;
  }
}
