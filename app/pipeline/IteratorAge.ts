import type { KinesisStreamEvent } from 'aws-lambda';

/**
 * How far behind the stream a consumer is, in time, measured as Lambda's IteratorAge metric is: when a batch
 * reaches the handler, the age of its last record (now minus the record's ApproximateArrivalTimestamp).
 * kinesis-local's GetRecords always answers MillisBehindLatest 0, so the arrival timestamps are the measure.
 * Per shard, the latest batch counts; the consumer's age is its furthest-behind shard's.
 */
export class IteratorAge {
  private readonly byShard = new Map<string, number>();

  constructor(private readonly clock: () => number = Date.now) {}

  /** The handler, measuring each batch before handing it on. */
  wrap<R>(handler: (event: KinesisStreamEvent) => Promise<R>): (event: KinesisStreamEvent) => Promise<R> {
    return (event) => {
      this.observe(event);
      return handler(event);
    };
  }

  /** Records the age of the batch's newest record for its shard. */
  observe(event: KinesisStreamEvent): void {
    let newest = Number.NEGATIVE_INFINITY;
    let shard = '';
    for (const record of event.Records) {
      const arrival = record.kinesis.approximateArrivalTimestamp * 1000;
      if (arrival > newest) newest = arrival;
      shard = record.eventID.slice(0, record.eventID.lastIndexOf(':'));
    }
    if (Number.isFinite(newest) && newest > 0) this.byShard.set(shard, Math.max(0, this.clock() - newest));
  }

  /** The furthest-behind shard's latest age in ms (0 before any batch). */
  ageMs(): number {
    return Math.max(0, ...this.byShard.values());
  }
}
