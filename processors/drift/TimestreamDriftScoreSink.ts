import type { _Record } from '@aws-sdk/client-timestream-write';
import { PfmError } from '../../kernel/errors.js';
import { DRIFT_SERIES, type DriftDimension, type DriftMeasure } from '../sinks/constants.js';
import type { PointValue, SeriesPoint } from '../sinks/seriesPoints.js';
import type { TimestreamWriter } from '../sinks/TimestreamWriter.js';
import { recordProblem, timestreamRecord } from '../sinks/timestreamRecords.js';
import type { DriftScoreRow, DriftScoreSink } from './types.js';

export interface TimestreamDriftScoreSinkOptions {
  /** The shared WriteRecords loop (batches of 100, bounded concurrency, backoff) on the drift table's database. */
  writer: TimestreamWriter;
  /** The drift table; default `drift_scores`. */
  table?: string;
  /** The `model_name` dimension (the reference's model). */
  modelName: string;
  /** Clock for the records' Version; default Date.now. */
  now?: () => number;
}

/**
 * DriftScoreSink on Timestream: one multi-measure record (measure name `drift`) per scope, feature and window, with
 * the dimensions and measures of DRIFT_SERIES that the Grafana dashboard and the agent's drift_status query.
 * Version is the write time: a window is evaluated again only when its monitor state was not saved, and then the
 * latest evaluation is the one to keep. Non-finite statistics (a feature without values) are left out of the
 * record rather than refusing it. A record Timestream rejects fails the call (PfmError SINK_REJECTED): drift scores
 * have no quarantine, and a silently missing window would read as "no drift".
 */
export class TimestreamDriftScoreSink implements DriftScoreSink {
  private readonly table: string;
  private readonly now: () => number;

  constructor(private readonly options: TimestreamDriftScoreSinkOptions) {
    this.table = options.table ?? DRIFT_SERIES.timestreamTable;
    this.now = options.now ?? Date.now;
  }

  async writeDriftScores(rows: readonly DriftScoreRow[]): Promise<void> {
    const records: _Record[] = rows.map((row) => {
      const record = timestreamRecord(driftPoint(row, this.options.modelName), DRIFT_SERIES);
      const problem = recordProblem(record, DRIFT_SERIES.measureName);
      if (problem !== undefined) {
        throw new PfmError(
          'SINK_REJECTED',
          `drift score ${row.scope}/${row.feature} cannot be written to Timestream: ${problem}`,
        );
      }
      return record;
    });
    const refusals = await this.options.writer.writeAll(
      this.table,
      DRIFT_SERIES,
      records,
      records.map((_, i) => i),
      this.now(),
    );
    const first = refusals[0];
    if (first !== undefined) {
      const row = rows[first.index] as DriftScoreRow;
      throw new PfmError(
        'SINK_REJECTED',
        `Timestream ${this.options.writer.database}.${this.table} rejected ${refusals.length} drift record(s), first ${row.scope}/${row.feature}: ${first.reason}`,
      );
    }
  }
}

/** A drift row as the series names it; non-finite doubles are left out (Timestream has no NaN). */
export function driftPoint(row: DriftScoreRow, modelName: string): SeriesPoint {
  const dimensions: Record<DriftDimension, string> = {
    scope: row.scope,
    feature: row.feature,
    model_name: modelName,
    model_version: row.modelVersion,
  };
  const measures: Partial<Record<DriftMeasure, PointValue>> = {
    state: row.state.toLowerCase(),
    breached: row.breached,
    n: row.n,
  };
  const doubles: [DriftMeasure, number][] = [
    ['psi', row.psi],
    ['mean_shift', row.meanShift],
    ['variance_ratio', row.varianceRatio],
    ['cusum', row.cusum],
  ];
  for (const [name, value] of doubles) if (Number.isFinite(value)) measures[name] = value;
  return { time: row.time, dimensions, measures };
}
