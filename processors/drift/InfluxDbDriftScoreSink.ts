import { PfmError } from '../../kernel/errors.js';
import { DRIFT_SERIES } from '../sinks/constants.js';
import type { InfluxDbSink } from '../sinks/InfluxDbSink.js';
import { driftPoint } from './TimestreamDriftScoreSink.js';
import type { DriftScoreRow, DriftScoreSink } from './types.js';

export interface InfluxDbDriftScoreSinkOptions {
  /** The sink of the prediction bucket: the scores go to measurement `drift_scores` beside the predictions. */
  sink: Pick<InfluxDbSink, 'writePoints'>;
  /** The `model_name` tag (the reference's model). */
  modelName: string;
}

/**
 * DriftScoreSink on InfluxDB: one point per scope, feature and window (time: the window end) in measurement
 * `drift_scores`, tagged and with the fields of DRIFT_SERIES that the Grafana drift panels and the agent's
 * drift_status query. A window evaluated again rewrites the same points (same tags and time). A point the server
 * refuses fails the call (SINK_REJECTED): drift scores have no quarantine, and a missing window would read as
 * "no drift".
 */
export class InfluxDbDriftScoreSink implements DriftScoreSink {
  constructor(private readonly options: InfluxDbDriftScoreSinkOptions) {}

  async writeDriftScores(rows: readonly DriftScoreRow[]): Promise<void> {
    const points = rows.map((row) => driftPoint(row, this.options.modelName));
    const refusals = await this.options.sink.writePoints(points, DRIFT_SERIES);
    const first = refusals[0];
    if (first !== undefined) {
      const row = rows[first.index] as DriftScoreRow;
      throw new PfmError(
        'SINK_REJECTED',
        `InfluxDB refused ${refusals.length} drift point(s), first ${row.scope}/${row.feature}: ${first.reason}`,
      );
    }
  }
}
