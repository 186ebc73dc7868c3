import { type DuckDBAppender, DuckDBTimestampMillisecondsValue } from '@duckdb/node-api';
import {
  FAILURE_MODES,
  type PredictionRow,
  type PredictionSink,
  type QuarantineRow,
} from '../inference/types.js';
import type { DuckDbDatabase } from './DuckDbDatabase.js';

/** PredictionSink on the embedded store's `predictions` table, keyed by device, time and model version. */
export class DuckDbPredictionSink implements PredictionSink {
  constructor(private readonly database: DuckDbDatabase) {}

  /** Appends rows through a staging table, then inserts those whose key is new: redelivery is a no-op. */
  async writePredictions(rows: readonly PredictionRow[]): Promise<{ rejected: QuarantineRow[] }> {
    if (rows.length === 0) return { rejected: [] };
    await this.database.stageAndInsert(
      'predictions_stage',
      (appender) => {
        for (const r of rows) appendPrediction(appender, r);
      },
      `INSERT OR IGNORE INTO predictions
        SELECT DISTINCT ON (device_id, time, model_version) * FROM predictions_stage`,
    );
    return { rejected: [] };
  }
}

function appendPrediction(a: DuckDBAppender, r: PredictionRow): void {
  a.appendTimestampMilliseconds(new DuckDBTimestampMillisecondsValue(BigInt(r.time)));
  a.appendVarchar(r.deviceId);
  a.appendVarchar(r.qualityType);
  a.appendVarchar(r.modelName);
  a.appendVarchar(r.modelVersion);
  a.appendVarchar(r.firmware);
  a.appendBigInt(BigInt(r.readingSequence));
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
