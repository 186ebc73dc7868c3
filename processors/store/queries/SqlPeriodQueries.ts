import type { FailureMode } from '../../inference/types.js';
import type {
  DataSpan,
  FleetPeriodSummary,
  MachineHistory,
  MachinePeriodRisk,
  PeriodQueries,
  TimeRange,
} from '../types.js';
import { assertRange, checkMachineHistory, checkRiskRanking } from './inputs.js';
import {
  dataSpanSql,
  fleetSummarySql,
  machineRiskSql,
  modelVersionsSql,
  predictionRowsSql,
  quarantineByCodeSql,
} from './periodSql.js';
import {
  type Row,
  toCodeCounts,
  toDataSpan,
  toFleetSummary,
  toMachineRisk,
  toPredictionRecord,
} from './rows.js';
import type { BoundParams, SqlDialect } from './sqlDialect.js';

/** How an adapter runs a query: a fresh dialect per query (it collects that query's parameters), then the SQL. */
export interface SqlRunner {
  dialect(): SqlDialect;
  run(sql: string, params: BoundParams): Promise<Row[]>;
}

/**
 * The period queries of PeriodQueries (all but drift, whose tables differ by store) over any SQL store: the
 * same templates for DuckDB and Timestream, each input checked again here whatever the caller checked.
 */
export class SqlPeriodQueries implements Omit<PeriodQueries, 'driftStatus'> {
  constructor(private readonly runner: SqlRunner) {}

  private async rows(build: (d: SqlDialect) => string): Promise<Row[]> {
    const d = this.runner.dialect();
    const sql = build(d);
    return this.runner.run(sql, d.params);
  }

  async dataSpan(): Promise<DataSpan> {
    const [row] = await this.rows((d) => dataSpanSql(d));
    return toDataSpan(row);
  }

  async fleetSummary(range: TimeRange): Promise<FleetPeriodSummary> {
    assertRange(range);
    const [summary, versions, quarantine] = await Promise.all([
      this.rows((d) => fleetSummarySql(d, range)),
      this.rows((d) => modelVersionsSql(d, range)),
      this.rows((d) => quarantineByCodeSql(d, range)),
    ]);
    return toFleetSummary(summary[0], versions, toCodeCounts(quarantine));
  }

  async riskRanking(options: {
    range: TimeRange;
    limit: number;
    window: number;
    mode?: FailureMode;
  }): Promise<MachinePeriodRisk[]> {
    const checked = checkRiskRanking(options);
    const rows = await this.rows((d) => machineRiskSql(d, checked));
    return rows.slice(0, checked.limit).map(toMachineRisk);
  }

  async machineHistory(options: {
    deviceId: string;
    range: TimeRange;
    limit: number;
    window: number;
  }): Promise<MachineHistory> {
    const { deviceId, range, limit, window } = checkMachineHistory(options);
    const [summary, recent, alarms, quarantine] = await Promise.all([
      this.rows((d) => machineRiskSql(d, { range, window, limit: 1, deviceId })),
      this.rows((d) => predictionRowsSql(d, { deviceId, range, limit, alarmsOnly: false })),
      this.rows((d) => predictionRowsSql(d, { deviceId, range, limit, alarmsOnly: true })),
      this.rows((d) => quarantineByCodeSql(d, range, deviceId)),
    ]);
    return {
      deviceId,
      summary: summary[0] ? toMachineRisk(summary[0]) : null,
      recent: recent.slice(0, limit).map(toPredictionRecord),
      alarms: alarms.slice(0, limit).map(toPredictionRecord),
      quarantinedByCode: toCodeCounts(quarantine),
    };
  }
}
