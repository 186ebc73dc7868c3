import { PfmError } from '../../../kernel/errors.js';
import { TIMESTREAM_NAME } from '../../sinks/constants.js';
import { assertDeviceId, assertWhole } from './inputs.js';

/** Values a DuckDB prepared statement binds. */
export type BoundParams = Record<string, string | number>;

/**
 * What differs between the stores the period queries run on. Every value that reaches a query goes through
 * `int`, `id` or `time`: DuckDB binds them as parameters; Timestream's query API has no parameters, so its
 * dialect writes them as literals only after the same checks the tools made (whole numbers in bounds, ids
 * that cannot hold a quote), and table names are fixed by configuration, never by a question.
 */
export interface SqlDialect {
  /** FROM source and the filter every predictions query starts its WHERE clause with. */
  readonly predictions: string;
  readonly predictionsFilter: string;
  readonly quarantine: string;
  readonly quarantineFilter: string;
  /** The quarantine table's time column. */
  readonly quarantineTime: string;
  /** Epoch milliseconds of a TIMESTAMP expression. */
  epochMs(expr: string): string;
  /** A TIMESTAMP for epoch milliseconds. */
  time(name: string, ms: number): string;
  int(name: string, value: number): string;
  id(name: string, value: string): string;
  /** Parameters to bind (DuckDB), empty for literal dialects. */
  readonly params: BoundParams;
}

/** The DuckDB dialect: bound `$name` parameters. */
export function duckDbDialect(): SqlDialect {
  const params: BoundParams = {};
  const bind = (name: string, value: string | number): string => {
    params[name] = value;
    return `$${name}`;
  };
  return {
    predictions: 'predictions',
    predictionsFilter: 'TRUE',
    quarantine: 'quarantine',
    quarantineFilter: 'TRUE',
    quarantineTime: 'received_at',
    epochMs: (expr) => `epoch_ms(${expr})`,
    time: (name, ms) => `epoch_ms(${bind(name, assertWhole(ms, name, 0, Number.MAX_SAFE_INTEGER))}::BIGINT)`,
    int: (name, value) => bind(name, assertWhole(value, name, 0, Number.MAX_SAFE_INTEGER)),
    id: (name, value) => bind(name, assertDeviceId(value)),
    params,
  };
}

/** Where a Timestream deployment keeps its tables (named by configuration, as the sinks write them). */
export interface TimestreamTables {
  database: string;
  predictions: string;
  quarantine: string;
  drift: string;
  /** `measure_name` of the multi-measure records of each table. */
  measureNames: { predictions: string; quarantine: string; drift: string };
}

/** `"database"."table"`, for names that pass TIMESTREAM_NAME (checked again here before they are quoted). */
export function timestreamTable(database: string, table: string): string {
  for (const name of [database, table]) {
    if (!TIMESTREAM_NAME.test(name))
      throw new PfmError(
        'CONFIG_INVALID',
        `invalid Timestream name "${name}": 3-256 of letters, digits, _ . -`,
      );
  }
  return `"${database}"."${table}"`;
}

/**
 * The Timestream dialect: checked literals (see SqlDialect). `sources` replace a table in FROM by a subquery over
 * it (TimestreamQueries fills in the columns a fresh table has not had written yet).
 */
export function timestreamDialect(
  tables: TimestreamTables,
  sources: { predictions?: string; quarantine?: string } = {},
): SqlDialect {
  const measure = (name: string): string => {
    if (!/^[A-Za-z0-9_.-]{1,256}$/.test(name))
      throw new PfmError('CONFIG_INVALID', `invalid Timestream measure name "${name}"`);
    return `measure_name = '${name}'`;
  };
  return {
    predictions: sources.predictions ?? timestreamTable(tables.database, tables.predictions),
    predictionsFilter: measure(tables.measureNames.predictions),
    quarantine: sources.quarantine ?? timestreamTable(tables.database, tables.quarantine),
    quarantineFilter: measure(tables.measureNames.quarantine),
    quarantineTime: 'time',
    epochMs: (expr) => `to_milliseconds(${expr})`,
    time: (name, ms) => `from_milliseconds(${assertWhole(ms, name, 0, Number.MAX_SAFE_INTEGER)})`,
    int: (name, value) => String(assertWhole(value, name, 0, Number.MAX_SAFE_INTEGER)),
    id: (_name, value) => `'${assertDeviceId(value)}'`,
    params: {},
  };
}
