import {
  PutRecordsCommand,
  type PutRecordsCommandOutput,
  type PutRecordsRequestEntry,
} from '@aws-sdk/client-kinesis';
import { errorMessage, errorName, isRetryableKinesisError } from '../../kernel/awsErrors.js';
import { type Backoff, createBackoff, type RetryHooks } from '../../kernel/backoff.js';
import { chunkByLimits } from '../../kernel/chunkByLimits.js';
import { forEachConcurrently } from '../../kernel/concurrency.js';
import { KINESIS_ERROR_CODES, KinesisError } from './errors.js';

/** Kinesis PutRecords limits. */
export const PUT_RECORDS_LIMITS = {
  maxRecords: 500,
  maxRequestBytes: 5 * 1024 * 1024,
  maxRecordBytes: 1024 * 1024,
  maxPartitionKeyChars: 256,
} as const;

/** Per-record error codes worth another try; anything else (e.g. KMS access denied) fails at once. */
const RETRYABLE_ENTRY_CODES = new Set([
  'ProvisionedThroughputExceededException',
  'InternalFailure',
  'KMSThrottlingException',
]);

/** One record to write. */
export interface WriteEntry {
  data: Uint8Array;
  partitionKey: string;
}

/** An entry that was still failing after the last attempt. */
export interface FailedEntry {
  entry: WriteEntry;
  errorCode: string;
  errorMessage: string;
}

/** What a write did. */
export interface WriteResult {
  written: number;
  /** PutRecords calls made, retries included. */
  attempts: number;
  failed: FailedEntry[];
}

/** The one call the writer makes; a KinesisClient satisfies it, and so does a hand-written fake. */
export interface PutRecordsClient {
  send(command: PutRecordsCommand): Promise<PutRecordsCommandOutput>;
}

/** Options for {@link KinesisWriter}. */
export interface KinesisWriterOptions extends RetryHooks {
  client: PutRecordsClient;
  streamName: string;
  /** Tries per record, the first included; default 5. */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Calls in flight at once; default 1, which keeps a partition key's records in order (retries aside). */
  concurrency?: number;
}

/** Writes records with PutRecords within the call limits, retrying only the entries Kinesis failed. */
export class KinesisWriter {
  private readonly client: PutRecordsClient;
  private readonly streamName: string;
  private readonly maxAttempts: number;
  private readonly concurrency: number;
  private readonly backoff: Backoff;

  constructor(opts: KinesisWriterOptions) {
    this.client = opts.client;
    this.streamName = opts.streamName;
    this.maxAttempts = Math.max(1, opts.maxAttempts ?? 5);
    this.concurrency = Math.max(1, opts.concurrency ?? 1);
    this.backoff = createBackoff(
      { baseDelayMs: opts.baseDelayMs ?? 100, maxDelayMs: opts.maxDelayMs ?? 5_000 },
      opts,
    );
  }

  /** Writes all entries; what still failed after maxAttempts comes back in `failed`, nothing is dropped. */
  async write(entries: readonly WriteEntry[]): Promise<WriteResult> {
    const chunks = splitIntoCalls(entries);
    const result: WriteResult = { written: 0, attempts: 0, failed: [] };
    // On an error no further call starts, and write() rejects only once the calls in flight have settled.
    await forEachConcurrently(chunks, this.concurrency, async (chunk) => {
      const out = await this.writeChunk(chunk);
      result.written += out.written;
      result.attempts += out.attempts;
      result.failed.push(...out.failed);
    });
    return result;
  }

  private async writeChunk(entries: WriteEntry[]): Promise<WriteResult> {
    let pending = entries;
    let written = 0;
    let attempts = 0;
    const failed: FailedEntry[] = [];
    // Why the entries still pending failed last time, reported if the attempts run out.
    let lastFailures: FailedEntry[] = [];
    while (pending.length > 0 && attempts < this.maxAttempts) {
      if (attempts > 0) await this.backoff.after(attempts);
      attempts++;
      let out: PutRecordsCommandOutput;
      try {
        out = await this.client.send(
          new PutRecordsCommand({ StreamName: this.streamName, Records: pending.map(toRequestEntry) }),
        );
      } catch (err) {
        if (!isRetryableKinesisError(err)) {
          throw new KinesisError(
            KINESIS_ERROR_CODES.requestFailed,
            `PutRecords to ${this.streamName} failed: ${errorName(err)}: ${errorMessage(err)}`,
            false,
            { cause: err },
          );
        }
        const errorCode = errorName(err);
        const message = errorMessage(err);
        lastFailures = pending.map((entry) => ({ entry, errorCode, errorMessage: message }));
        continue;
      }
      const results = out.Records ?? [];
      if (results.length !== pending.length) {
        throw new KinesisError(
          KINESIS_ERROR_CODES.requestFailed,
          `PutRecords answered ${results.length} results for ${pending.length} records`,
        );
      }
      const retry: WriteEntry[] = [];
      lastFailures = [];
      pending.forEach((entry, i) => {
        const errorCode = results[i]?.ErrorCode;
        if (errorCode === undefined) {
          written++;
          return;
        }
        const failure = { entry, errorCode, errorMessage: results[i]?.ErrorMessage ?? '' };
        if (RETRYABLE_ENTRY_CODES.has(errorCode)) {
          retry.push(entry);
          lastFailures.push(failure);
        } else {
          failed.push(failure);
        }
      });
      pending = retry;
    }
    if (pending.length > 0) failed.push(...lastFailures);
    return { written, attempts, failed };
  }
}

/** Splits entries into PutRecords calls of at most 500 records and 5 MB; rejects an oversized record before any call. */
export function splitIntoCalls(entries: readonly WriteEntry[]): WriteEntry[][] {
  return chunkByLimits(
    entries,
    { maxItems: PUT_RECORDS_LIMITS.maxRecords, maxBytes: PUT_RECORDS_LIMITS.maxRequestBytes },
    recordBytes,
  );
}

function recordBytes(entry: WriteEntry, index: number): number {
  const keyChars = entry.partitionKey.length;
  if (keyChars === 0 || keyChars > PUT_RECORDS_LIMITS.maxPartitionKeyChars) {
    throw new KinesisError(
      KINESIS_ERROR_CODES.invalidPartitionKey,
      `record ${index}: partition key must have 1 to ${PUT_RECORDS_LIMITS.maxPartitionKeyChars} characters, got ${keyChars}`,
    );
  }
  const size = entry.data.byteLength + Buffer.byteLength(entry.partitionKey, 'utf8');
  if (size > PUT_RECORDS_LIMITS.maxRecordBytes) {
    throw new KinesisError(
      KINESIS_ERROR_CODES.recordTooLarge,
      `record ${index} (partition key ${JSON.stringify(entry.partitionKey)}) is ${size} bytes with its partition key; Kinesis accepts at most ${PUT_RECORDS_LIMITS.maxRecordBytes}`,
    );
  }
  return size;
}

function toRequestEntry(entry: WriteEntry): PutRecordsRequestEntry {
  return { Data: entry.data, PartitionKey: entry.partitionKey };
}
