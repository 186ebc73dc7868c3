import {
  type _Record,
  RejectedRecordsException,
  type TimestreamWriteClient,
  WriteRecordsCommand,
} from '@aws-sdk/client-timestream-write';
import { type Backoff, createBackoff, type RetryHooks } from '../../kernel/backoff.js';
import { CONNECTION_ERROR_CODES, PfmError } from '../../kernel/errors.js';
import { type SeriesSchema, SINK_DEFAULTS } from './constants.js';
import { type Refusal, writeConcurrently } from './refusals.js';
import { sinkRetrySettings } from './retrySettings.js';
import { type WriteBatch, writeBatches } from './timestreamRecords.js';
import type { RetrySettings } from './types.js';

export interface TimestreamWriterOptions extends RetryHooks {
  /** A client built with `maxAttempts: 1`: the writer does the retrying, per WriteRecords call. */
  client: Pick<TimestreamWriteClient, 'send'>;
  database: string;
  /** WriteRecords calls in flight at once; default 4. */
  concurrency?: number;
  retry?: Partial<RetrySettings>;
}

const SOCKET_ERROR_NAMES = new Set(['TimeoutError', 'AbortError', 'RequestTimeout']);

/**
 * The WriteRecords loop every Timestream sink shares (predictions, quarantine, drift scores): 100 records a call,
 * bounded concurrency, full-jitter backoff on ThrottlingException and 5xx only. Used up retries and lost
 * connections are a retryable PfmError('SINK_UNAVAILABLE'); anything else is PfmError('SINK_REJECTED'); records
 * rejected one by one (RejectedRecordsException) come back as refusals, the rest of their call being written.
 */
export class TimestreamWriter {
  private readonly concurrency: number;
  private readonly retry: RetrySettings;
  private readonly backoff: Backoff;

  constructor(private readonly options: TimestreamWriterOptions) {
    this.concurrency = options.concurrency ?? SINK_DEFAULTS.concurrency;
    this.retry = sinkRetrySettings(options.retry);
    this.backoff = createBackoff(this.retry, options);
  }

  get database(): string {
    return this.options.database;
  }

  /** Writes the records to `table` with the given Version; returns refusals by `indices` position. */
  async writeAll(
    table: string,
    schema: SeriesSchema,
    records: readonly _Record[],
    indices: readonly number[],
    version: number,
  ): Promise<Refusal[]> {
    if (records.length === 0) return [];
    const batches = writeBatches(records, indices, {
      measureName: schema.measureName,
      valueType: 'MULTI',
      version,
    });
    return writeConcurrently(batches, this.concurrency, (batch) => this.writeBatch(table, batch));
  }

  /** Writes single-measure VARCHAR records (each with its `MeasureValue`); returns refusals by input position. */
  async writeScalar(
    table: string,
    measureName: string,
    records: readonly _Record[],
    version: number,
  ): Promise<Refusal[]> {
    if (records.length === 0) return [];
    const batches = writeBatches(
      records,
      records.map((_, i) => i),
      { measureName, valueType: 'VARCHAR', version },
    );
    return writeConcurrently(batches, this.concurrency, (batch) => this.writeBatch(table, batch));
  }

  private async writeBatch(table: string, batch: WriteBatch): Promise<Refusal[]> {
    const where = `${this.options.database}.${table}`;
    const input = {
      DatabaseName: this.options.database,
      TableName: table,
      CommonAttributes: batch.commonAttributes,
      Records: batch.records,
    };
    for (let attempt = 1; ; attempt++) {
      try {
        await this.options.client.send(new WriteRecordsCommand(input));
        return [];
      } catch (error) {
        if (error instanceof RejectedRecordsException) return refusalsOf(error, batch, where);
        const kind = classify(error);
        if (kind === 'retry' && attempt < this.retry.maxAttempts) {
          await this.backoff.after(attempt);
          continue;
        }
        const detail = describe(error);
        if (kind === 'retry') {
          throw new PfmError(
            'SINK_UNAVAILABLE',
            `Timestream ${where}: still failing after ${attempt} attempts: ${detail}`,
            {
              retryable: true,
              cause: error,
            },
          );
        }
        if (kind === 'unreachable') {
          throw new PfmError('SINK_UNAVAILABLE', `Timestream ${where} unreachable: ${detail}`, {
            retryable: true,
            cause: error,
          });
        }
        throw new PfmError('SINK_REJECTED', `Timestream refused WriteRecords to ${where}: ${detail}`, {
          cause: error,
        });
      }
    }
  }
}

function refusalsOf(error: RejectedRecordsException, batch: WriteBatch, where: string): Refusal[] {
  return (error.RejectedRecords ?? []).map((r) => {
    const index = r.RecordIndex === undefined ? undefined : batch.indices[r.RecordIndex];
    if (index === undefined) {
      throw new PfmError(
        'SINK_REJECTED',
        `Timestream ${where} rejected a record it did not identify: ${r.Reason}`,
        {
          cause: error,
        },
      );
    }
    if (r.ExistingVersion === undefined) return { index, reason: r.Reason ?? 'rejected' };
    return {
      index,
      reason: `${r.Reason ?? 'rejected'} (ExistingVersion ${r.ExistingVersion})`,
      existingVersion: r.ExistingVersion,
    };
  });
}

type ErrorKind = 'retry' | 'unreachable' | 'fatal';

/** Throttling and server faults are retried here; a lost connection is left to the batch retry; the rest is final. */
function classify(error: unknown): ErrorKind {
  if (typeof error !== 'object' || error === null) return 'fatal';
  const e = error as {
    name?: unknown;
    code?: unknown;
    $fault?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  if (e.name === 'ThrottlingException' || e.name === 'InternalServerException') return 'retry';
  const status = e.$metadata?.httpStatusCode;
  if (typeof status === 'number') return status >= 500 || e.$fault === 'server' ? 'retry' : 'fatal';
  if (typeof e.code === 'string' && CONNECTION_ERROR_CODES.has(e.code)) return 'unreachable';
  if (typeof e.name === 'string' && SOCKET_ERROR_NAMES.has(e.name)) return 'unreachable';
  return 'fatal';
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
