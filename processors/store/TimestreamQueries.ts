import {
  type ColumnInfo,
  QueryCommand,
  type QueryCommandOutput,
  type TimestreamQueryClient,
} from '@aws-sdk/client-timestream-query';
import { PfmError } from '../../kernel/errors.js';
import { DRIFT_SERIES, PREDICTION_SERIES, QUARANTINE_SERIES, type SeriesSchema } from '../sinks/constants.js';
import {
  driftUnavailable,
  timestreamDriftLatestSql,
  timestreamDriftStatesSql,
  toDriftStatus,
} from './queries/driftSql.js';
import { assertRange, checkDriftStatus, checkMachineHistory, checkRiskRanking } from './queries/inputs.js';
import type { Row } from './queries/rows.js';
import { SqlPeriodQueries } from './queries/SqlPeriodQueries.js';
import { type TimestreamTables, timestreamDialect, timestreamTable } from './queries/sqlDialect.js';
import type {
  DataSpan,
  DriftStatus,
  FleetPeriodSummary,
  MachineHistory,
  MachinePeriodRisk,
  PeriodQueries,
  TimeRange,
} from './types.js';

export interface TimestreamQueriesOptions {
  client: TimestreamQueryClient;
  database: string;
  /** Table names; default the sinks' (processors/sinks/constants.ts). */
  tables?: Partial<Pick<TimestreamTables, 'predictions' | 'quarantine' | 'drift'>>;
  /** Pages one query may take before it is abandoned (a bound, not a tuning knob: the queries have LIMITs). */
  maxPages?: number;
}

const DEFAULT_MAX_PAGES = 100;

/** Timestream's text timestamps ("2026-01-05 08:00:00.123456789") as epoch ms. */
function parseTimestamp(text: string): number {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d+))?$/.exec(text);
  if (!m) return Number.NaN;
  return Date.parse(`${m[1]}T${m[2]}.${(m[3] ?? '0').padEnd(3, '0').slice(0, 3)}Z`);
}

function scalar(value: string | undefined, type: string | undefined): unknown {
  if (value === undefined) return null;
  switch (type) {
    case 'BIGINT':
    case 'INTEGER':
    case 'DOUBLE':
      return Number(value);
    case 'BOOLEAN':
      return value === 'true';
    case 'TIMESTAMP':
      return parseTimestamp(value);
    default:
      return value;
  }
}

/** The rows of one page as objects keyed by column name (scalar columns; the period queries select no others). */
export function pageRows(page: Pick<QueryCommandOutput, 'ColumnInfo' | 'Rows'>): Row[] {
  const columns: ColumnInfo[] = page.ColumnInfo ?? [];
  return (page.Rows ?? []).map((row) => {
    const out: Row = {};
    columns.forEach((column, i) => {
      const datum = row.Data?.[i];
      out[column.Name ?? `_${i}`] = datum?.NullValue
        ? null
        : scalar(datum?.ScalarValue, column.Type?.ScalarType);
    });
    return out;
  });
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

/** A Timestream query error as a PfmError whose message says what to do. */
export function queryError(error: unknown, table: string): PfmError {
  const name = errorName(error);
  const detail = error instanceof Error ? error.message : String(error);
  switch (name) {
    case 'ThrottlingException':
      return new PfmError('STORE_QUERY_FAILED', 'Timestream is throttling queries; try again shortly', {
        retryable: true,
        cause: error,
      });
    case 'AccessDeniedException':
      return new PfmError(
        'STORE_QUERY_FAILED',
        `not allowed to query ${table}: the role needs timestream:Select on it (${detail})`,
        { cause: error },
      );
    case 'InternalServerException':
    case 'TimeoutError':
      return new PfmError('STORE_QUERY_FAILED', `Timestream did not answer (${name}); try again shortly`, {
        retryable: true,
        cause: error,
      });
    default:
      return new PfmError(
        'STORE_QUERY_FAILED',
        `Timestream refused the query on ${table}: ${name || 'error'}: ${detail}`,
        {
          cause: error,
        },
      );
  }
}

/** True for the errors of a query on a table that does not exist (or that this role may not see). */
function isMissingTable(error: unknown): boolean {
  const name = errorName(error);
  if (name === 'ResourceNotFoundException' || name === 'AccessDeniedException') return true;
  return name === 'ValidationException' && /does not exist|not found/i.test((error as Error).message);
}

/** Every column a query of the series may name, with its SQL type: time, measure_name, dimensions, measures. */
function seriesColumns(series: SeriesSchema): [string, string][] {
  return [
    ['time', 'TIMESTAMP'],
    ['measure_name', 'VARCHAR'],
    ...series.dimensions.map((d): [string, string] => [d, 'VARCHAR']),
    ...Object.entries(series.measures),
  ];
}

/**
 * PeriodQueries on Timestream for LiveAnalytics, reading what TimestreamSink writes. Each query is one of the
 * fixed templates (Timestream has no bound parameters: values are checked literals, see SqlDialect), its pages
 * followed by NextToken with the same query string until the service stops returning one.
 */
export class TimestreamQueries implements PeriodQueries {
  private readonly tables: TimestreamTables;
  private readonly period: SqlPeriodQueries;
  private readonly maxPages: number;
  /** FROM subqueries for tables still missing columns (see {@link completeSources}). */
  private sources: { predictions?: string; quarantine?: string } = {};
  /** Tables found with every column: their schema can only grow, so they are not described again. */
  private readonly complete = new Set<string>();

  constructor(private readonly options: TimestreamQueriesOptions) {
    this.tables = {
      database: options.database,
      predictions: options.tables?.predictions ?? PREDICTION_SERIES.timestreamTable,
      quarantine: options.tables?.quarantine ?? QUARANTINE_SERIES.timestreamTable,
      drift: options.tables?.drift ?? DRIFT_SERIES.timestreamTable,
      measureNames: {
        predictions: PREDICTION_SERIES.measureName,
        quarantine: QUARANTINE_SERIES.measureName,
        drift: DRIFT_SERIES.measureName,
      },
    };
    // Fails here, at construction, for a table name that could not be quoted safely.
    timestreamDialect(this.tables);
    timestreamTable(this.tables.database, this.tables.drift);
    this.maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
    this.period = new SqlPeriodQueries({
      dialect: () => timestreamDialect(this.tables, this.sources),
      run: (sql) => this.query(sql, this.tables.predictions),
    });
  }

  /** Runs one query to its last page; errors become STORE_QUERY_FAILED naming the table. */
  async query(sql: string, table: string): Promise<Row[]> {
    try {
      return await this.queryRaw(sql);
    } catch (error) {
      throw error instanceof PfmError ? error : queryError(error, `${this.tables.database}.${table}`);
    }
  }

  private async queryRaw(sql: string): Promise<Row[]> {
    const rows: Row[] = [];
    let nextToken: string | undefined;
    for (let page = 0; page < this.maxPages; page++) {
      const out = await this.options.client.send(
        new QueryCommand({ QueryString: sql, ...(nextToken ? { NextToken: nextToken } : {}) }),
      );
      rows.push(...pageRows(out));
      // A running query may answer with no rows and a token: only a missing token ends it.
      nextToken = out.NextToken;
      if (!nextToken) return rows;
    }
    throw new PfmError('STORE_QUERY_FAILED', `Timestream query still paging after ${this.maxPages} pages`);
  }

  /**
   * A LiveAnalytics table gets a column only when a record first writes it (developer guide, "Schema": the
   * schema is created dynamically from the dimensions and measures written): a fresh deployment's quarantine
   * table has no `code` before the first quarantined record, the predictions table no `predicted_modes` before
   * the first predicted failure, and a query naming such a column fails. So each table is described
   * (`DESCRIBE db.table`) until it has every column, and queried meanwhile through a subquery that supplies the
   * missing ones as typed NULLs: they read as "none yet", which is what they are.
   */
  private async completeSources(): Promise<void> {
    const source = async (table: string, series: SeriesSchema): Promise<string | undefined> => {
      if (this.complete.has(table)) return undefined;
      const name = timestreamTable(this.tables.database, table);
      const present = new Set((await this.query(`DESCRIBE ${name}`, table)).map((r) => String(r.Column)));
      const columns = seriesColumns(series);
      if (columns.every(([c]) => present.has(c))) {
        this.complete.add(table);
        return undefined;
      }
      const select = columns.map(([c, type]) => (present.has(c) ? c : `CAST(NULL AS ${type}) AS ${c}`));
      return `(SELECT ${select.join(', ')} FROM ${name})`;
    };
    const predictions = await source(this.tables.predictions, PREDICTION_SERIES);
    const quarantine = await source(this.tables.quarantine, QUARANTINE_SERIES);
    this.sources = {
      ...(predictions ? { predictions } : {}),
      ...(quarantine ? { quarantine } : {}),
    };
  }

  async dataSpan(): Promise<DataSpan> {
    await this.completeSources();
    return this.period.dataSpan();
  }

  async fleetSummary(range: TimeRange): Promise<FleetPeriodSummary> {
    assertRange(range); // a bad input reaches no service, not even DESCRIBE
    await this.completeSources();
    return this.period.fleetSummary(range);
  }

  async riskRanking(options: Parameters<PeriodQueries['riskRanking']>[0]): Promise<MachinePeriodRisk[]> {
    checkRiskRanking(options); // a bad input reaches no service, not even DESCRIBE
    await this.completeSources();
    return this.period.riskRanking(options);
  }

  async machineHistory(options: Parameters<PeriodQueries['machineHistory']>[0]): Promise<MachineHistory> {
    checkMachineHistory(options);
    await this.completeSources();
    return this.period.machineHistory(options);
  }

  /** The fleet's drift state from the drift table (PSI, mean shift, state per feature); unavailable without it. */
  async driftStatus(options: { range: TimeRange; features: number }): Promise<DriftStatus> {
    const { range, features } = checkDriftStatus(options);
    const table = timestreamTable(this.tables.database, this.tables.drift);
    const filter = `measure_name = '${this.tables.measureNames.drift}'`;
    const d = timestreamDialect(this.tables);
    try {
      const [latest, states] = await Promise.all([
        this.queryRaw(timestreamDriftLatestSql(d, table, filter, range, features)),
        this.queryRaw(timestreamDriftStatesSql(d, table, filter, range)),
      ]);
      return toDriftStatus(latest, states);
    } catch (error) {
      if (!isMissingTable(error)) throw queryError(error, `${this.tables.database}.${this.tables.drift}`);
      return driftUnavailable(
        `cannot read ${this.tables.database}.${this.tables.drift} (${errorName(error)}): no drift table, or no timestream:Select on it`,
      );
    }
  }
}
