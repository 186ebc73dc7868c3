import { type DuckDBAppender, DuckDBTimestampMillisecondsValue } from '@duckdb/node-api';
import { identityKey } from '../../schemas/readingIdentity.js';
import {
  FAILURE_MODES,
  type PredictionRow,
  type PredictionSink,
  type QuarantineRow,
} from '../inference/types.js';
import { applyIdentityPolicy, conflictRow, type StoredReading } from '../sinks/identityPolicy.js';
import type { DuckDbDatabase } from './DuckDbDatabase.js';

/**
 * PredictionSink on the embedded store's `predictions` table, one row per reading identity (device_id, time).
 * Each write, with no other statement in between: stage the batch's identities, read what the table holds for
 * them, apply the identity policy (processors/sinks/identityPolicy.ts), and insert or replace only its writes.
 */
export class DuckDbPredictionSink implements PredictionSink {
  constructor(private readonly database: DuckDbDatabase) {}

  /** Stores new readings, replaces older models' scores, absorbs duplicates, returns conflicts as refused. */
  async writePredictions(rows: readonly PredictionRow[]): Promise<{ rejected: QuarantineRow[] }> {
    if (rows.length === 0) return { rejected: [] };
    return this.database.exclusive(async (session) => {
      await session.append('prediction_keys', (appender) => {
        for (const r of rows) {
          appender.appendVarchar(r.deviceId);
          appender.appendTimestampMilliseconds(new DuckDBTimestampMillisecondsValue(BigInt(r.time)));
          appender.endRow();
        }
      });
      const held = await session.query(
        `SELECT DISTINCT p.device_id, epoch_ms(p.time) AS time, p.reading_digest, p.model_sequence
         FROM prediction_keys k JOIN predictions p ON p.device_id = k.device_id AND p.time = k.time`,
      );
      await session.run('DELETE FROM prediction_keys');
      const stored = new Map<string, StoredReading>();
      for (const h of held) {
        stored.set(identityKey({ deviceId: String(h.device_id), timestamp: Number(h.time) }), {
          readingDigest: String(h.reading_digest),
          modelSequence: Number(h.model_sequence),
        });
      }
      const outcome = applyIdentityPolicy(rows, stored);
      if (outcome.writes.length > 0) {
        await session.append('predictions_stage', (appender) => {
          for (const i of outcome.writes) appendPrediction(appender, rows[i] as PredictionRow);
        });
        await session.run('INSERT OR REPLACE INTO predictions SELECT * FROM predictions_stage');
        await session.run('DELETE FROM predictions_stage');
      }
      return { rejected: outcome.conflicts.map((c) => conflictRow(rows[c.index] as PredictionRow)) };
    });
  }
}

function appendPrediction(a: DuckDBAppender, r: PredictionRow): void {
  a.appendTimestampMilliseconds(new DuckDBTimestampMillisecondsValue(BigInt(r.time)));
  a.appendVarchar(r.deviceId);
  a.appendVarchar(r.qualityType);
  a.appendVarchar(r.modelName);
  a.appendVarchar(r.modelVersion);
  a.appendBigInt(BigInt(r.modelSequence));
  a.appendVarchar(r.firmware);
  a.appendBigInt(BigInt(r.readingSequence));
  a.appendVarchar(r.readingDigest);
  for (const mode of FAILURE_MODES) a.appendDouble(r.probabilities[mode]);
  a.appendDouble(r.anyFailureProbability);
  a.appendBoolean(r.failure);
  a.appendVarchar(r.predictedModes.join('|'));
  a.appendDouble(r.airTemperatureK);
  a.appendDouble(r.processTemperatureK);
  a.appendDouble(r.rotationalSpeedRpm);
  a.appendDouble(r.torqueNm);
  a.appendDouble(r.toolWearMin);
  a.appendVarchar(r.source.eventId);
  a.endRow();
}
