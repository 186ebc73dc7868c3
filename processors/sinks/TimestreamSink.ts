import type { _Record, TimestreamWriteClient } from '@aws-sdk/client-timestream-write';
import type { RetryHooks } from '../../kernel/backoff.js';
import type { PredictionRow, PredictionSink, QuarantineRow, QuarantineSink } from '../inference/types.js';
import {
  PREDICTION_SERIES,
  QUARANTINE_SERIES,
  SINK_QUARANTINE_CODES,
  TIMESTREAM_LIMITS,
  TIMESTREAM_NO_MODES,
  TIMESTREAM_READING_CLAIM,
} from './constants.js';
import { applyIdentityPolicy, conflictRow, refusedPrediction } from './identityPolicy.js';
import { type Refusal, throwIfQuarantineRefused } from './refusals.js';
import { pointProblem, predictionPoint, quarantinePoint } from './seriesPoints.js';
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
  /** WriteRecords calls in flight at once; default 4. */
  concurrency?: number;
  retry?: Partial<RetrySettings>;
}

// Reasons and quarantined payloads must leave room for the rest of a 2 KB quarantine record.
const QUARANTINE_REASON_MAX_BYTES = 512;
const QUARANTINE_VERSION = 1;

/**
 * Timestream for LiveAnalytics behind the sink ports: one multi-measure record per reading (measure name
 * `prediction`; dimensions device_id and quality_type), written 100 records a call with bounded concurrency;
 * quarantined records go to a second table of the same database. It applies the identity policy
 * (schemas/README.md, "Identity") with Timestream's own record versions, without reading anything back:
 *
 * 1. Within the batch, the policy picks one row per identity (identityPolicy.ts): later rows of the same
 *    identity are absorbed or, with another digest, conflicts.
 * 2. Claims: one record per reading (TIMESTREAM_READING_CLAIM: dimension device_id, measure `reading_digest`,
 *    always Version 1). The same digest again is accepted unchanged; another digest is refused by Timestream with
 *    ExistingVersion (developer guide, "Writes", upserts): that row is a READING_CONFLICT, whatever model scored it.
 * 3. Predictions of the claimed rows, with `Version` = the model's release sequence (model/artifacts/release.json):
 *    the same model again is accepted unchanged (a redelivery, a producer's second put: the first record's event_id
 *    stays), a newer model overwrites every measure, an older one is refused with ExistingVersion and absorbed (the
 *    claim proved it is the same reading, so a newer score is already there).
 * A claim or prediction refused for any other reason (outside the memory store's time range, ...) is returned as a
 * TIMESTREAM_REJECTED quarantine row; a claim refused that way sends no prediction.
 *
 * Retries (full-jitter exponential backoff) cover ThrottlingException and 5xx/InternalServerException only, per
 * call; once they are used up the sink throws a retryable PfmError('SINK_UNAVAILABLE') so the handler reports batch
 * item failures (a retried batch re-sends claims that are already there: accepted unchanged). A broken connection
 * is also SINK_UNAVAILABLE. Anything else (validation, access denied, unknown table) is a non-retryable
 * PfmError('SINK_REJECTED').
 */
export class TimestreamSink implements PredictionSink, QuarantineSink {
  private readonly table: string;
  private readonly quarantineTable: string;
  private readonly writer: TimestreamWriter;

  constructor(private readonly options: TimestreamSinkOptions) {
    this.table = options.table ?? PREDICTION_SERIES.timestreamTable;
    this.quarantineTable = options.quarantineTable ?? QUARANTINE_SERIES.timestreamTable;
    this.writer = new TimestreamWriter(options);
  }

  /** Writes the predictions by the identity policy; returns the refused rows (conflicts among them) to quarantine. */
  async writePredictions(rows: readonly PredictionRow[]): Promise<{ rejected: QuarantineRow[] }> {
    const rejected: QuarantineRow[] = [];
    const inBatch = applyIdentityPolicy(rows, new Map());
    for (const c of inBatch.conflicts) rejected.push(conflictRow(rows[c.index] as PredictionRow));

    // Rows whose records Timestream could not take at all are refused before anything is sent for them.
    const candidates: { row: PredictionRow; record: _Record }[] = [];
    for (const i of inBatch.writes) {
      const row = rows[i] as PredictionRow;
      const point = predictionPoint(row);
      const record = withModes(timestreamRecord(point, PREDICTION_SERIES));
      const problem =
        pointProblem(point, PREDICTION_SERIES) ?? recordProblem(record, PREDICTION_SERIES.measureName);
      if (problem === undefined) candidates.push({ row, record });
      else rejected.push(refusedPrediction(row, SINK_QUARANTINE_CODES.invalidRecord, problem));
    }

    const claimed: { row: PredictionRow; record: _Record }[] = [];
    const claimRefusals = indexed(
      await this.writer.writeScalar(
        this.table,
        TIMESTREAM_READING_CLAIM.measureName,
        candidates.map(({ row }) => claimRecord(row)),
        TIMESTREAM_READING_CLAIM.version,
      ),
    );
    candidates.forEach((candidate, i) => {
      const refusal = claimRefusals.get(i);
      if (refusal === undefined) claimed.push(candidate);
      else if (refusal.existingVersion !== undefined) rejected.push(conflictRow(candidate.row));
      else rejected.push(rejectedRow(candidate.row, refusal.reason));
    });

    const byVersion = new Map<number, { row: PredictionRow; record: _Record }[]>();
    for (const c of claimed) {
      const group = byVersion.get(c.row.modelSequence) ?? [];
      group.push(c);
      byVersion.set(c.row.modelSequence, group);
    }
    for (const [version, group] of byVersion) {
      const refusals = await this.writer.writeAll(
        this.table,
        PREDICTION_SERIES,
        group.map((g) => g.record),
        group.map((_, i) => i),
        version,
      );
      for (const r of refusals) {
        // ExistingVersion: the claimed reading already has this or a newer model's score (absorbed).
        if (r.existingVersion === undefined)
          rejected.push(rejectedRow((group[r.index] as { row: PredictionRow }).row, r.reason));
      }
    }
    return { rejected };
  }

  /** Writes quarantined rows to the quarantine table, once per event id; a row refused there fails the call. */
  async quarantine(rows: readonly QuarantineRow[]): Promise<void> {
    const records = rows.map((row) => quarantineRecord(row));
    const refusals = await this.writer.writeAll(
      this.quarantineTable,
      QUARANTINE_SERIES,
      records,
      records.map((_, i) => i),
      QUARANTINE_VERSION,
    );
    // ExistingVersion: this record was quarantined before (a redelivery); the first quarantine stays.
    throwIfQuarantineRefused(
      refusals.filter((r) => r.existingVersion === undefined),
      rows,
      {
        store: 'Timestream',
        unit: 'record',
        place: `${this.options.database}.${this.quarantineTable}`,
      },
    );
  }
}

function indexed(refusals: readonly Refusal[]): Map<number, Refusal> {
  return new Map(refusals.map((r) => [r.index, r]));
}

function rejectedRow(row: PredictionRow, reason: string): QuarantineRow {
  return refusedPrediction(row, SINK_QUARANTINE_CODES.timestreamRejected, reason);
}

/** Timestream refuses an empty measure value: no predicted mode is written as TIMESTREAM_NO_MODES. */
function withModes(record: _Record): _Record {
  return {
    ...record,
    MeasureValues: (record.MeasureValues ?? []).map((m) =>
      m.Name === 'predicted_modes' && m.Value === '' ? { ...m, Value: TIMESTREAM_NO_MODES } : m,
    ),
  };
}

function claimRecord(row: PredictionRow): _Record {
  return {
    Dimensions: [{ Name: 'device_id', Value: row.deviceId, DimensionValueType: 'VARCHAR' }],
    MeasureValue: row.readingDigest,
    Time: String(row.time),
  };
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
