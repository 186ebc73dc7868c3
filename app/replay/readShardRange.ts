import {
  type _Record,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { errorMessage, errorName, isRetryableKinesisError } from '../../kernel/awsErrors.js';
import { backoffDelay, sleep } from '../../kernel/backoff.js';
import { compareSequence } from './deadLetterFile.js';

/** One shard's records from `startSequenceNumber` to `endSequenceNumber`, both included. */
export interface ShardRange {
  streamName: string;
  shardId: string;
  startSequenceNumber: string;
  endSequenceNumber: string;
  /** Records the range held when it failed: reading stops once this many are found. */
  expected: number;
}

/** What a range read found, or why it could read nothing. */
export type RangeRead = { records: _Record[] } | { records: []; unreadable: string };

/** GetRecords' per-call limit. */
const MAX_RECORDS_PER_CALL = 10_000;
/** Empty answers in a row after which a shard is taken to hold nothing more of the range. */
const MAX_EMPTY_READS = 5;
/** Attempts of one call while Kinesis throttles it or fails transiently. */
const MAX_CALL_ATTEMPTS = 8;

/**
 * Re-reads a range from the stream (GetShardIterator AT_SEQUENCE_NUMBER, then GetRecords up to the end), as the
 * on-failure record asks (Lambda Developer Guide, "Retain discarded batch records": obtain the records from the
 * stream with the shard and sequence range). Records trimmed by the stream's retention are simply absent: the
 * caller compares what was found with what was expected. A stream or shard that no longer exists, or a sequence
 * number the stream refuses, makes the range unreadable with Kinesis's own reason.
 */
export async function readShardRange(client: KinesisClient, range: ShardRange): Promise<RangeRead> {
  let iterator: string | undefined;
  try {
    const answer = await retrying(() =>
      client.send(
        new GetShardIteratorCommand({
          StreamName: range.streamName,
          ShardId: range.shardId,
          ShardIteratorType: 'AT_SEQUENCE_NUMBER',
          StartingSequenceNumber: range.startSequenceNumber,
        }),
      ),
    );
    iterator = answer.ShardIterator;
  } catch (err) {
    if (isRetryableKinesisError(err)) throw err;
    return { records: [], unreadable: `${errorName(err)}: ${errorMessage(err)}` };
  }
  const found: _Record[] = [];
  let empty = 0;
  while (iterator !== undefined && found.length < range.expected && empty < MAX_EMPTY_READS) {
    const current = iterator;
    const answer = await retrying(() =>
      client.send(
        new GetRecordsCommand({
          ShardIterator: current,
          Limit: Math.min(MAX_RECORDS_PER_CALL, range.expected - found.length),
        }),
      ),
    );
    const records = answer.Records ?? [];
    for (const record of records) {
      const sequence = record.SequenceNumber ?? '';
      if (compareSequence(sequence, range.startSequenceNumber) < 0) continue;
      if (compareSequence(sequence, range.endSequenceNumber) > 0) return { records: found };
      found.push(record);
    }
    // At the tip of an open shard there is nothing more to wait for: the range's records were written long ago.
    if (records.length === 0 && answer.MillisBehindLatest === 0) break;
    empty = records.length === 0 ? empty + 1 : 0;
    iterator = answer.NextShardIterator;
  }
  return { records: found };
}

async function retrying<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!isRetryableKinesisError(err) || attempt >= MAX_CALL_ATTEMPTS) throw err;
      await sleep(backoffDelay(attempt, 100, 5_000, Math.random));
    }
  }
}
