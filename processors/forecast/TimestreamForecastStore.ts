import type { _Record } from '@aws-sdk/client-timestream-write';
import { PfmError } from '../../kernel/errors.js';
import { FORECAST_SERIES, PREDICTION_SERIES } from '../sinks/constants.js';
import type { TimestreamWriter } from '../sinks/TimestreamWriter.js';
import { recordProblem, timestreamRecord } from '../sinks/timestreamRecords.js';
import { READING_COLUMNS } from '../store/queries/periodSql.js';
import type { Row } from '../store/queries/rows.js';
import { timestreamTable } from '../store/queries/sqlDialect.js';
import { historiesFromRows } from './historyRows.js';
import { forecastFromRows, forecastPoints } from './storedForecast.js';
import type {
  FleetForecast,
  ForecastReader,
  ForecastSink,
  HistorySource,
  HistoryWindow,
  MachineHistory,
} from './types.js';

export interface TimestreamForecastStoreOptions {
  /** Runs one query to its last page (TimestreamQueries.query: errors become STORE_QUERY_FAILED). */
  queries: { query(sql: string, table: string): Promise<Row[]> };
  database: string;
  /** Default the sinks' `predictions` and `forecasts`. */
  predictionsTable?: string;
  forecastTable?: string;
  /** Wall clock (epoch ms): bounds what a query scans. */
  now?: () => number;
}

/** A forecast run older than this is not "the latest forecast" any more: the schedule has stopped. */
const LATEST_RUN_MAX_AGE_MS = 7 * 24 * 3_600_000;

/** A whole number that may go into a query as a literal (Timestream has no bound parameters). */
function literal(n: number, what: string): string {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new PfmError('CONFIG_INVALID', `${what} must be a whole number, got ${n}`);
  return String(n);
}

/**
 * The forecaster's reads on Timestream for LiveAnalytics: each machine's history from the reading measures the
 * predictions table keeps, and the latest forecast run (table `forecasts`) for the deployed agent. Queries are
 * fixed templates whose only values are checked whole numbers; each scans a bounded time range (Timestream bills
 * the bytes a query scans): the history twice its window back from now (a machine silent for longer is not
 * forecast), the latest run the last 7 days.
 */
export class TimestreamForecastStore implements HistorySource, ForecastReader {
  private readonly predictions: string;
  private readonly forecasts: string;
  private readonly now: () => number;

  constructor(private readonly options: TimestreamForecastStoreOptions) {
    this.predictions = timestreamTable(
      options.database,
      options.predictionsTable ?? PREDICTION_SERIES.timestreamTable,
    );
    this.forecasts = timestreamTable(
      options.database,
      options.forecastTable ?? FORECAST_SERIES.timestreamTable,
    );
    this.now = options.now ?? Date.now;
  }

  /** Each machine's readings within the window before its own latest one (at most `maxReadings`), oldest first. */
  async recentHistories(window: HistoryWindow): Promise<MachineHistory[]> {
    const history = literal(window.historyMs, 'historyMs');
    const limit = literal(window.maxReadings, 'maxReadings');
    const from = literal(Math.max(0, this.now() - 2 * window.historyMs), 'the scan start');
    const columns = Object.values(READING_COLUMNS).join(', ');
    const rows = await this.options.queries.query(
      `WITH r AS (
  SELECT device_id, quality_type, time, ${columns},
    max(time) OVER (PARTITION BY device_id) AS last_time,
    row_number() OVER (PARTITION BY device_id ORDER BY time DESC) AS rn
  FROM ${this.predictions}
  WHERE measure_name = '${PREDICTION_SERIES.measureName}' AND time >= from_milliseconds(${from})
)
SELECT device_id, quality_type, to_milliseconds(time) AS t, ${columns}
FROM r
WHERE rn <= ${limit} AND to_milliseconds(time) > to_milliseconds(last_time) - ${history}
ORDER BY device_id, time`,
      this.options.predictionsTable ?? PREDICTION_SERIES.timestreamTable,
    );
    return historiesFromRows(rows, 't');
  }

  /** The latest run's records as a fleet forecast (see storedForecast.ts for what is approximated); null when none. */
  async latestForecast(): Promise<FleetForecast | null> {
    const from = literal(Math.max(0, this.now() - LATEST_RUN_MAX_AGE_MS), 'the scan start');
    const filter = `measure_name = '${FORECAST_SERIES.measureName}' AND time >= from_milliseconds(${from})`;
    const rows = await this.options.queries.query(
      `SELECT * FROM ${this.forecasts}
WHERE ${filter} AND time = (SELECT max(time) FROM ${this.forecasts} WHERE ${filter})`,
      this.options.forecastTable ?? FORECAST_SERIES.timestreamTable,
    );
    return forecastFromRows(rows);
  }
}

export interface TimestreamForecastSinkOptions {
  /** The shared WriteRecords loop on the forecast table's database. */
  writer: TimestreamWriter;
  /** Default `forecasts`. */
  table?: string;
  /** The forecast calibration's `aheadProcesses` (stored with the mode notes). */
  aheadProcesses: number;
  /** Clock for the records' Version; default Date.now (a retried run replaces what it wrote). */
  now?: () => number;
}

/**
 * ForecastSink on Timestream for LiveAnalytics: one multi-measure record (measure name `forecast`) per machine at
 * the run's time, dimensions device_id and quality_type. A record Timestream rejects fails the call (SINK_REJECTED).
 */
export class TimestreamForecastSink implements ForecastSink {
  constructor(private readonly options: TimestreamForecastSinkOptions) {}

  async writeForecast(forecast: FleetForecast): Promise<void> {
    const table = this.options.table ?? FORECAST_SERIES.timestreamTable;
    const records: _Record[] = forecastPoints(forecast, this.options.aheadProcesses).map((point, i) => {
      const record = timestreamRecord(point, FORECAST_SERIES);
      const problem = recordProblem(record, FORECAST_SERIES.measureName);
      if (problem !== undefined) {
        throw new PfmError(
          'SINK_REJECTED',
          `forecast of ${forecast.machines[i]?.deviceId} cannot be written to Timestream: ${problem}`,
        );
      }
      return record;
    });
    const refusals = await this.options.writer.writeAll(
      table,
      FORECAST_SERIES,
      records,
      records.map((_, i) => i),
      (this.options.now ?? Date.now)(),
    );
    const first = refusals[0];
    if (first !== undefined) {
      throw new PfmError(
        'SINK_REJECTED',
        `Timestream ${this.options.writer.database}.${table} rejected ${refusals.length} forecast record(s), first ${forecast.machines[first.index]?.deviceId}: ${first.reason}`,
      );
    }
  }
}
