import type { SinkConfig } from '../config.js';
import type { TimestreamTableKey } from '../constants.js';
import type { FunctionPlacement, PfmFunction } from './PfmFunction.js';

/**
 * What the stack needs from the time-series store the predictions go to, whichever it is: Timestream for
 * LiveAnalytics (LiveAnalyticsStore) or Timestream for InfluxDB (InfluxDbStore). The functions that talk to
 * the store take their environment, placement and grants from here and never ask which store it is.
 */
export interface PredictionStore {
  readonly kind: SinkConfig['kind'];
  /** The variables processors/config.ts reads to reach the store (inference, agent). */
  readonly environment: Readonly<Record<string, string>>;
  /**
   * The variables the drift function reads to write its per-window scores here; undefined when the store
   * takes no drift scores, and the drift monitor then reports them as metrics only.
   */
  readonly driftEnvironment: Readonly<Record<string, string>> | undefined;
  /** The variables the forecast function reads, besides `environment`, to write its forecast rows here. */
  readonly forecastEnvironment: Readonly<Record<string, string>>;
  /** Where a function that talks to the store must run; undefined when the store's API is reachable from anywhere. */
  readonly placement: FunctionPlacement | undefined;
  /** Lets the function write to the given tables (measurements). */
  grantWrite(fn: PfmFunction, tables: readonly TimestreamTableKey[]): void;
  /** Lets the function query the given tables (measurements). */
  grantRead(fn: PfmFunction, tables: readonly TimestreamTableKey[]): void;
}
