import type { DuckDbDatabase } from './DuckDbDatabase.js';
import {
  DUCKDB_DRIFT_TABLE_EXISTS_SQL,
  driftUnavailable,
  duckDbDriftLatestSql,
  duckDbDriftStatesSql,
  toDriftStatus,
} from './queries/driftSql.js';
import { checkDriftStatus } from './queries/inputs.js';
import { SqlPeriodQueries } from './queries/SqlPeriodQueries.js';
import { duckDbDialect } from './queries/sqlDialect.js';
import type {
  DataSpan,
  DriftStatus,
  FleetPeriodSummary,
  MachineHistory,
  MachinePeriodRisk,
  PeriodQueries,
  TimeRange,
} from './types.js';

/**
 * PeriodQueries on the embedded store, for the maintenance agent's tools: the SQL templates shared with
 * Timestream (parameters bound), and drift from the `drift_scores` table.
 */
export class DuckDbPeriodQueries implements PeriodQueries {
  private readonly period: SqlPeriodQueries;

  constructor(private readonly database: DuckDbDatabase) {
    this.period = new SqlPeriodQueries({
      dialect: duckDbDialect,
      run: (sql, params) => this.database.query(sql, params),
    });
  }

  /** How much the store holds overall. */
  dataSpan(): Promise<DataSpan> {
    return this.period.dataSpan();
  }

  /** The fleet over a time range. */
  fleetSummary(range: TimeRange): Promise<FleetPeriodSummary> {
    return this.period.fleetSummary(range);
  }

  /** Machines ranked by recent risk within a time range. */
  riskRanking(options: Parameters<PeriodQueries['riskRanking']>[0]): Promise<MachinePeriodRisk[]> {
    return this.period.riskRanking(options);
  }

  /** One machine within a time range. */
  machineHistory(options: Parameters<PeriodQueries['machineHistory']>[0]): Promise<MachineHistory> {
    return this.period.machineHistory(options);
  }

  /** Drift state per scope after its latest window in the range; unavailable without a drift table. */
  async driftStatus(options: { range: TimeRange; features: number }): Promise<DriftStatus> {
    const { range, features } = checkDriftStatus(options);
    const [exists] = await this.database.query(DUCKDB_DRIFT_TABLE_EXISTS_SQL);
    if (Number(exists?.n ?? 0) === 0) {
      return driftUnavailable('the store has no drift_scores table: the drift monitor has not written to it');
    }
    const latest = duckDbDialect();
    const latestSql = duckDbDriftLatestSql(latest, range, features);
    const states = duckDbDialect();
    const statesSql = duckDbDriftStatesSql(states, range);
    return toDriftStatus(
      await this.database.query(latestSql, latest.params),
      await this.database.query(statesSql, states.params),
    );
  }
}
