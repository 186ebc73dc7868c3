import { PfmError } from '../../kernel/errors.js';
import { FORECAST_SERIES, PREDICTION_SERIES } from '../sinks/constants.js';
import type { InfluxDbSink } from '../sinks/InfluxDbSink.js';
import type { InfluxQlClient } from '../store/InfluxQlClient.js';
import { READING_COLUMNS } from '../store/queries/periodSql.js';
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

export interface InfluxDbForecastSinkOptions {
  /** The sink of the predictions' bucket: the forecast rows go to measurement `forecasts` beside the predictions. */
  writer: Pick<InfluxDbSink, 'writePoints'>;
  /** The forecast calibration's `aheadProcesses` (stored with the mode notes). */
  aheadProcesses: number;
}

const P = `"${PREDICTION_SERIES.influxMeasurement}"`;
const F = `"${FORECAST_SERIES.influxMeasurement}"`;
const READINGS = Object.values(READING_COLUMNS)
  .map((c) => `"${c}"`)
  .join(', ');

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));

/**
 * The forecaster's reads on InfluxDB (Timestream for InfluxDB): each machine's history from the reading fields the
 * prediction points keep, and the latest forecast run (measurement `forecasts`) for the deployed agent. Every
 * value a caller supplies is a bound parameter.
 */
export class InfluxDbForecastStore implements HistorySource, ForecastReader {
  /** `queries`: InfluxQL on the predictions' bucket (bound parameters, token refresh). */
  constructor(private readonly queries: Pick<InfluxQlClient, 'rows'>) {}

  /** Each machine's readings within the window before its own latest one (at most `maxReadings`), oldest first. */
  async recentHistories(window: HistoryWindow): Promise<MachineHistory[]> {
    const [lasts = []] = await this.queries.rows([`SELECT last("p_any") FROM ${P} GROUP BY "device_id"`]);
    const lastByDevice = new Map(lasts.map((r) => [String(r.device_id), num(r.time)]));
    if (lastByDevice.size === 0) return [];
    // One request for every machine: from the earliest machine's window start, the latest points per machine
    // (GROUP BY ... LIMIT counts per series), then each machine's own window.
    const from = Math.min(...lastByDevice.values()) - window.historyMs;
    const [rows = []] = await this.queries.rows(
      [
        `SELECT "quality_type", ${READINGS} FROM ${P} WHERE time > $from GROUP BY "device_id" ORDER BY time DESC LIMIT $limit`,
      ],
      { from: new Date(from).toISOString(), limit: window.maxReadings },
    );
    // Oldest first, machine by machine; each machine's own window (before its own latest reading).
    const own = rows
      .filter((r) => {
        const last = lastByDevice.get(String(r.device_id));
        return last !== undefined && num(r.time) > last - window.historyMs;
      })
      .sort((a, b) => String(a.device_id).localeCompare(String(b.device_id)) || num(a.time) - num(b.time));
    return historiesFromRows(own, 'time');
  }

  /** The latest run's points as a fleet forecast (see storedForecast.ts for what is approximated); null when none. */
  async latestForecast(): Promise<FleetForecast | null> {
    const [latest = []] = await this.queries.rows([`SELECT last("status") FROM ${F}`]);
    const time = latest[0]?.time;
    if (time === undefined || time === null) return null;
    const [rows = []] = await this.queries.rows([`SELECT * FROM ${F} WHERE time = $t`], {
      t: new Date(num(time)).toISOString(),
    });
    return forecastFromRows(rows);
  }
}

/** ForecastSink on InfluxDB: one point per machine at the run's time; writing a run again rewrites the same points. */
export class InfluxDbForecastSink implements ForecastSink {
  constructor(private readonly options: InfluxDbForecastSinkOptions) {}

  /** One point per machine at the run's time; a point the server refuses fails the call (SINK_REJECTED). */
  async writeForecast(forecast: FleetForecast): Promise<void> {
    const points = forecastPoints(forecast, this.options.aheadProcesses);
    const refusals = await this.options.writer.writePoints(points, FORECAST_SERIES);
    const first = refusals[0];
    if (first !== undefined) {
      const machine = forecast.machines[first.index]?.deviceId;
      throw new PfmError(
        'SINK_REJECTED',
        `InfluxDB refused ${refusals.length} forecast point(s), first ${machine}: ${first.reason}`,
      );
    }
  }
}
