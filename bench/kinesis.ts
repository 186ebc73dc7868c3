import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { createKinesisClient, ensureStream } from '../stream/kinesis/client.js';
import { KinesisLocal } from '../stream/kinesis/KinesisLocal.js';
import { KinesisWriter, type WriteEntry } from '../stream/kinesis/KinesisWriter.js';

/** A rate over a measured interval. */
export interface RateResult {
  records: number;
  seconds: number;
  recordsPerSecond: number;
}

const BENCH_RECORDS = 20_000;
const BENCH_SHARDS = 2;
const BENCH_DEVICES = 100;
// About the size of one Avro-encoded sensor reading.
const RECORD_BYTES = 64;
const WRITE_SLICE = 2_000;

/** Reads every shard from TRIM_HORIZON to its tip with GetRecords (limit 10,000) and nothing else: the read baseline. */
export async function measureRawReadRate(client: KinesisClient, streamName: string): Promise<RateResult> {
  const shards: Shard[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamName: streamName }),
    );
    shards.push(...(page.Shards ?? []));
    nextToken = page.NextToken;
  } while (nextToken);

  const started = performance.now();
  const counts = await Promise.all(
    shards.map(async (shard) => {
      const { ShardIterator } = await client.send(
        new GetShardIteratorCommand({
          StreamName: streamName,
          ShardId: shard.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      let iterator = ShardIterator;
      let records = 0;
      while (iterator !== undefined) {
        const out = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
        const got = out.Records?.length ?? 0;
        records += got;
        // An empty read at the tip ends the shard; a closed shard has no next iterator.
        if (got === 0 && (out.MillisBehindLatest ?? 0) === 0) break;
        iterator = out.NextShardIterator;
      }
      return records;
    }),
  );
  return rate(
    counts.reduce((a, b) => a + b, 0),
    performance.now() - started,
  );
}

/** Measures PutRecords write rate and the raw read rate for 20,000 small records on a fresh 2-shard kinesis-local stream. */
export async function benchKinesis(): Promise<void> {
  const local = await KinesisLocal.start();
  const client = createKinesisClient({ endpoint: local.endpoint });
  try {
    const streamName = `bench-${randomBytes(3).toString('hex')}`;
    await ensureStream(client, streamName, BENCH_SHARDS);
    const writer = new KinesisWriter({ client, streamName });
    const entries = benchRecords(BENCH_RECORDS);
    // Written in slices so the slowdown of kinesis-local as its shards fill shows in the figures.
    const slices: RateResult[] = [];
    let calls = 0;
    for (let from = 0; from < entries.length; from += WRITE_SLICE) {
      const started = performance.now();
      const result = await writer.write(entries.slice(from, from + WRITE_SLICE));
      if (result.failed.length > 0) throw new Error(`${result.failed.length} records failed to write`);
      calls += result.attempts;
      slices.push(rate(result.written, performance.now() - started));
    }
    const total = rate(
      slices.reduce((n, s) => n + s.records, 0),
      slices.reduce((ms, s) => ms + s.seconds * 1000, 0),
    );
    const read = await measureRawReadRate(client, streamName);
    console.log(
      [
        `kinesis-local: ${BENCH_RECORDS} records of ${RECORD_BYTES} B, ${BENCH_DEVICES} partition keys, ${BENCH_SHARDS} shards`,
        `  PutRecords write: ${format(total)} (${calls} calls)`,
        `    first ${WRITE_SLICE}: ${format(slices[0] ?? total)}; last ${WRITE_SLICE}: ${format(slices.at(-1) ?? total)}`,
        `  GetRecords raw read (limit 10,000, shards in parallel): ${format(read)}`,
      ].join('\n'),
    );
  } finally {
    client.destroy();
    await local.stop();
  }
}

function benchRecords(n: number): WriteEntry[] {
  const payload = randomBytes(RECORD_BYTES);
  return Array.from({ length: n }, (_, i) => ({
    data: payload,
    partitionKey: `machine-${i % BENCH_DEVICES}`,
  }));
}

function rate(records: number, ms: number): RateResult {
  const seconds = ms / 1000;
  return { records, seconds, recordsPerSecond: seconds > 0 ? records / seconds : 0 };
}

function format(r: RateResult): string {
  return `${r.records} records in ${r.seconds.toFixed(2)} s = ${Math.round(r.recordsPerSecond).toLocaleString('en-US')} records/s`;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchKinesis();
}
