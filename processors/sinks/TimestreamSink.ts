import type { _Record, TimestreamWriteClient } from '@aws-sdk/client-timestream-write';
import type { RetryHooks } from '../../kernel/backoff.js';
import type { PredictionRow, PredictionSink, QuarantineRow, QuarantineSink } from '../inference/types.js';
import {
  PREDICTION_SERIES,
  QUARANTINE_SERIES,
  type SeriesSchema,
  SINK_QUARANTINE_CODES,
  TIMESTREAM_LIMITS,
} from './constants.js';
import { type Refusal, throwIfQuarantineRefused } from './refusals.js';
import { pointProblem, predictionPoint, quarantinePoint, refusedPrediction } from './seriesPoints.js';
import { TimestreamWriter } from './TimestreamWriter.js';
import { recordBytes, recordProblem, timestreamRecord } from './timestreamRecords.js';
import type { RetrySettings } from './types.js';

export interface TimestreamSinkOptions extends RetryHooks {
  /** A client built with `maxAttempts: 1`: this sink does the retrying, per WriteRecords call. */
  client: Pick<TimestreamWriteClient, 'send'>;
  database: string;
  /** The predictions table; default `predictions`. */
  table?: string;
  /** The quarantine table in the same database; default `quarantine`. */
  quarantineTable?: string;
  /** The deployed model's sequence number, written as every prediction record's Version (see the class comment). */
  modelSequence: number;
  /** WriteRecords calls in flight at once; default 4. */
  concurrency?: number;
  retry?: Partial<RetrySettings>;
  /** Clock for the quarantine time of refused rows. */
  now?: () => number;
}

// Reasons and quarantined payloads must leave room for the rest of a 2 KB quarantine record.
const QUARANTINE_REASON_MAX_BYTES = 512;
const QUARANTINE_VERSION = 1;

/**
 * Timestream for LiveAnalytics behind the sink ports: one multi-measure record per prediction (measure name
 * `prediction`; dimensions device_id, quality_type, model_name, firmware), written 100 records a call with bounded
 * concurrency; quarantined records go to a second table of the same database.
 *
 * Version: every prediction record carries `Version = modelSequence`, a number that grows with each model deployed
 * (PFM_MODEL_SEQUENCE: the model's training time in epoch seconds, or a release counter). A record's identity is
 * (dimensions, measure_name, time), so the same reading scored again lands on the same record, and:
 * - redelivery by the same model sends the same values with the same Version, which Timestream accepts without
 *   change: an idempotent upsert, no duplicates;
 * - a re-score by a newer model sends a higher Version and overwrites (model_version is a measure for this reason);
 * - a replay by an older model has a lower Version and different values: Timestream rejects it and the row is
 *   quarantined with the reason and ExistingVersion, leaving the newer score in place.
 * A write-time Version would let stale replays win; a hash of the values has no order.
 *
 * Retries (full-jitter exponential backoff) cover ThrottlingException and 5xx/InternalServerException only, per
 * call; once they are used up the sink throws a retryable PfmError('SINK_UNAVAILABLE') so the handler reports batch
 * item failures. A broken connection is also SINK_UNAVAILABLE, without retrying here. Anything else (validation,
 * access denied, unknown table) is a non-retryable PfmError('SINK_REJECTED'). Records the service rejects one by one
 * (RejectedRecordsException) are returned as quarantine rows; the rest of that call is written and not sent again.
 */
export class TimestreamSink implements PredictionSink, QuarantineSink {
  private readonly table: string;
  private readonly quarantineTable: string;
  private readonly writer: TimestreamWriter;
  private readonly now: () => number;

  constructor(private readonly options: TimestreamSinkOptions) {
    if (!Number.isSafeInteger(options.modelSequence) || options.modelSequence < 1) {
      throw new RangeError(`modelSequence must be a positive integer, got ${options.modelSequence}`);
    }
    this.table = options.table ?? PREDICTION_SERIES.timestreamTable;
    this.quarantineTable = options.quarantineTable ?? QUARANTINE_SERIES.timestreamTable;
    this.writer = new TimestreamWriter(options);
    this.now = options.now ?? Date.now;
  }

  /** Writes the predictions; returns those refused (before sending, or by Timestream) as quarantine rows. */
  async writePredictions(rows: readonly PredictionRow[]): Promise<{ rejected: QuarantineRow[] }> {
    const now = this.now();
    const rejected: QuarantineRow[] = [];
    const records: _Record[] = [];
    const indices: number[] = [];
    rows.forEach((row, i) => {
      const point = predictionPoint(row);
      const record = timestreamRecord(point, PREDICTION_SERIES);
      const problem =
        pointProblem(point, PREDICTION_SERIES) ?? recordProblem(record, PREDICTION_SERIES.measureName);
      if (problem === undefined) {
        records.push(record);
        indices.push(i);
      } else {
        rejected.push(refusedPrediction(row, SINK_QUARANTINE_CODES.invalidRecord, problem, now));
      }
    });
    const refusals = await this.writeAll(
      this.table,
      PREDICTION_SERIES,
      records,
      indices,
      this.options.modelSequence,
    );
    for (const r of refusals) {
      rejected.push(
        refusedPrediction(
          rows[r.index] as PredictionRow,
          SINK_QUARANTINE_CODES.timestreamRejected,
          r.reason,
          now,
        ),
      );
    }
    return { rejected };
  }

  /** Writes quarantined rows to the quarantine table; a row Timestream refuses there fails the call (nowhere left). */
  async quarantine(rows: readonly QuarantineRow[]): Promise<void> {
    const records = rows.map((row) => quarantineRecord(row));
    const refusals = await this.writeAll(
      this.quarantineTable,
      QUARANTINE_SERIES,
      records,
      records.map((_, i) => i),
      QUARANTINE_VERSION,
    );
    throwIfQuarantineRefused(refusals, rows, {
      store: 'Timestream',
      unit: 'record',
      place: `${this.options.database}.${this.quarantineTable}`,
    });
  }

  private async writeAll(
    table: string,
    schema: SeriesSchema,
    records: readonly _Record[],
    indices: readonly number[],
    version: number,
  ): Promise<Refusal[]> {
    return this.writer.writeAll(table, schema, records, indices, version);
  }
}

function quarantineRecord(row: QuarantineRow): _Record {
  const measureName = QUARANTINE_SERIES.measureName;
  const withoutRaw = timestreamRecord(
    quarantinePoint(row, { reasonMaxBytes: QUARANTINE_REASON_MAX_BYTES, rawBase64MaxChars: 0 }),
    QUARANTINE_SERIES,
  );
  const room = TIMESTREAM_LIMITS.recordBytes - recordBytes(withoutRaw, measureName) - 'raw_base64'.length;
  const rawBase64MaxChars = Math.min(room, TIMESTREAM_LIMITS.measureValueChars);
  return timestreamRecord(
    quarantinePoint(row, { reasonMaxBytes: QUARANTINE_REASON_MAX_BYTES, rawBase64MaxChars }),
    QUARANTINE_SERIES,
  );
}
