import type { DriftScoreSink } from '../drift/types.js';
import type { PredictionSink, QuarantineSink } from '../inference/types.js';
import { DuckDbDatabase } from './DuckDbDatabase.js';
import { DuckDbDriftScores } from './DuckDbDriftScores.js';
import { DuckDbFleetQueries } from './DuckDbFleetQueries.js';
import { DuckDbPeriodQueries } from './DuckDbPeriodQueries.js';
import { DuckDbPredictionSink } from './DuckDbPredictionSink.js';
import { DuckDbQuarantineSink } from './DuckDbQuarantineSink.js';
import type { DriftScoreReader, FleetQueries, PeriodQueries } from './types.js';

/**
 * The embedded store: one DuckDB file holding predictions, quarantined records and drift scores, and an
 * adapter for each port over it, all sharing one connection. Writes are idempotent: a redelivered batch adds
 * no rows. The application takes the ports it needs; a read-only store refuses writes.
 */
export interface DuckDbStore {
  /** The file and its connection; its `query` runs raw read SQL (`pfm query`). */
  readonly database: DuckDbDatabase;
  readonly predictionSink: PredictionSink;
  readonly quarantineSink: QuarantineSink;
  readonly driftScores: DriftScoreSink & DriftScoreReader;
  /** The dashboard's, `pfm top`'s and the run summary's reads. */
  readonly fleetQueries: FleetQueries;
  /** The maintenance agent's time-ranged reads. */
  readonly periodQueries: PeriodQueries;
  /** Flushes the write-ahead log into the file and closes it; every port above stops working. */
  close(): Promise<void>;
}

/**
 * Opens (and on first use creates) the store file; `:memory:` gives a throwaway store. Processors import
 * this module on demand only: the native DuckDB binding has no place in a function that writes elsewhere.
 */
export async function openDuckDbStore(
  path: string,
  options: { readOnly?: boolean } = {},
): Promise<DuckDbStore> {
  const database = await DuckDbDatabase.open(path, options);
  return {
    database,
    predictionSink: new DuckDbPredictionSink(database),
    quarantineSink: new DuckDbQuarantineSink(database),
    driftScores: new DuckDbDriftScores(database),
    fleetQueries: new DuckDbFleetQueries(database),
    periodQueries: new DuckDbPeriodQueries(database),
    close: () => database.close(),
  };
}
