import { DuckDBTimestampMillisecondsValue } from '@duckdb/node-api';
import type { DriftScoreRow, DriftScoreSink } from '../drift/types.js';
import type { DuckDbDatabase } from './DuckDbDatabase.js';
import { DUCKDB_DRIFT_SCORE_SELECT, toDriftScoreRow } from './queries/driftSql.js';
import type { DriftScoreReader } from './types.js';

/** DriftScoreSink and DriftScoreReader on the embedded store's `drift_scores` table. */
export class DuckDbDriftScores implements DriftScoreSink, DriftScoreReader {
  constructor(private readonly database: DuckDbDatabase) {}

  /** Stores one row per scope, feature and window; a re-evaluated window adds no rows. */
  async writeDriftScores(rows: readonly DriftScoreRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.database.stageAndInsert(
      'drift_scores_stage',
      (appender) => {
        for (const r of rows) {
          appender.appendTimestampMilliseconds(
            new DuckDBTimestampMillisecondsValue(BigInt(Math.round(r.time))),
          );
          appender.appendVarchar(r.scope);
          appender.appendVarchar(r.feature);
          appender.appendTimestampMilliseconds(
            new DuckDBTimestampMillisecondsValue(BigInt(Math.round(r.windowStart))),
          );
          appender.appendTimestampMilliseconds(
            new DuckDBTimestampMillisecondsValue(BigInt(Math.round(r.windowEnd))),
          );
          appender.appendBigInt(BigInt(r.n));
          appender.appendDouble(r.meanShift);
          appender.appendDouble(r.varianceRatio);
          appender.appendDouble(r.psi);
          appender.appendDouble(r.cusum);
          appender.appendVarchar(r.state);
          appender.appendBoolean(r.breached);
          appender.appendVarchar(r.modelVersion);
          appender.endRow();
        }
      },
      `INSERT OR IGNORE INTO drift_scores
        SELECT DISTINCT ON (scope, feature, window_start, window_end, model_version) * FROM drift_scores_stage`,
    );
  }

  /** The latest drift scores, newest window first, optionally for one scope and/or feature. */
  async latest(options: { scope?: string; feature?: string; limit?: number } = {}): Promise<DriftScoreRow[]> {
    const where: string[] = [];
    const params: Record<string, string | number> = { limit: options.limit ?? 100 };
    if (options.scope !== undefined) {
      where.push('scope = $scope');
      params.scope = options.scope;
    }
    if (options.feature !== undefined) {
      where.push('feature = $feature');
      params.feature = options.feature;
    }
    const rows = await this.database.query(
      `SELECT ${DUCKDB_DRIFT_SCORE_SELECT}
       FROM drift_scores ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY window_end DESC, scope, feature LIMIT $limit`,
      params,
    );
    return rows.map(toDriftScoreRow);
  }
}
