import { DuckDBTimestampMillisecondsValue } from '@duckdb/node-api';
import type { QuarantineRow, QuarantineSink } from '../inference/types.js';
import type { DuckDbDatabase } from './DuckDbDatabase.js';

/** QuarantineSink on the embedded store's `quarantine` table: each record's reason and raw bytes. */
export class DuckDbQuarantineSink implements QuarantineSink {
  constructor(private readonly database: DuckDbDatabase) {}

  /** Stores quarantined records with their raw bytes, once per stream event id. */
  async quarantine(rows: readonly QuarantineRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.database.stageAndInsert(
      'quarantine_stage',
      (appender) => {
        for (const q of rows) {
          appender.appendVarchar(q.source.eventId);
          appender.appendVarchar(q.source.sequenceNumber);
          appender.appendVarchar(q.source.partitionKey);
          appender.appendTimestampMilliseconds(new DuckDBTimestampMillisecondsValue(BigInt(q.receivedAt)));
          appender.appendVarchar(q.stage);
          appender.appendVarchar(q.code);
          appender.appendVarchar(q.reason);
          if (q.deviceId === null) appender.appendNull();
          else appender.appendVarchar(q.deviceId);
          appender.appendBlob(q.raw);
          appender.endRow();
        }
      },
      'INSERT OR IGNORE INTO quarantine SELECT DISTINCT ON (event_id) * FROM quarantine_stage',
    );
  }
}
