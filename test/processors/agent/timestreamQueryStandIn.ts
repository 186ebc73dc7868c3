import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { FAILURE_MODES, type PredictionRow } from '../../../processors/inference/types.js';
import { closeServer, isSigned, listenOnLoopback, readBody } from '../../helpers/httpStandIn.js';

/**
 * TEST AID, not a Timestream implementation: an HTTP server on 127.0.0.1 that speaks the Timestream Query wire
 * protocol (AWS JSON 1.0: POST /, X-Amz-Target Timestream_20181101.Query or .DescribeEndpoints) well enough for
 * the unmodified SDK client, with the service's paging: at most `pageSize` rows a page, an opaque NextToken, an
 * optional empty first page (a query still running), and a follow-up refused unless it repeats the query string.
 *
 * Queries run, verbatim, on an in-memory DuckDB holding tables shaped like the ones TimestreamSink writes
 * ("db"."predictions" with measure_name, time, the dimensions and the multi-measure columns, a missing
 * predicted_modes stored as NULL), with Timestream's from_milliseconds/to_milliseconds as macros. So the
 * adapter's SQL is executed, not matched; Timestream-only syntax would fail here as it should not.
 */

export const QUERY_TARGET = 'Timestream_20181101.Query';
export const DESCRIBE_ENDPOINTS_TARGET = 'Timestream_20181101.DescribeEndpoints';

/** A record as the Timestream Write stand-in keeps it (its StoredRecord). */
export interface WrittenRecord {
  measureName: string;
  time: number;
  dimensions: Record<string, string>;
  measures: Record<string, { type: string; value: string }>;
}

export interface QueryCall {
  target: string;
  contentType: string | undefined;
  signed: boolean;
  queryString?: string;
  nextToken?: string;
  status: number;
  rows: number;
  errorType?: string;
}

export interface TimestreamQueryStandInOptions {
  database: string;
  pageSize?: number;
  /** Answer the first page of every query with no rows and a token, as a query that is still running. */
  emptyFirstPage?: boolean;
}

interface Pending {
  queryString: string;
  columns: { name: string; type: string }[];
  rows: unknown[][];
}

const SCALAR_TYPES: Record<string, string> = {
  BIGINT: 'BIGINT',
  HUGEINT: 'BIGINT',
  INTEGER: 'INTEGER',
  DOUBLE: 'DOUBLE',
  BOOLEAN: 'BOOLEAN',
  VARCHAR: 'VARCHAR',
  TIMESTAMP: 'TIMESTAMP',
  TIMESTAMP_MS: 'TIMESTAMP',
};

/** A value as Timestream's wire format writes it. */
function datum(value: unknown, type: string): Record<string, unknown> {
  if (value === null || value === undefined) return { NullValue: true };
  if (type === 'TIMESTAMP') {
    const [date, time = '00:00:00'] = String(value).split(' ');
    const [hms, fraction = ''] = time.split('.');
    return { ScalarValue: `${date} ${hms}.${fraction.padEnd(9, '0')}` };
  }
  if (type === 'BOOLEAN') return { ScalarValue: value ? 'true' : 'false' };
  return { ScalarValue: String(value) };
}

/** The Timestream Query stand-in (see the module comment). */
export class TimestreamQueryStandIn {
  readonly calls: QueryCall[] = [];
  private readonly pending = new Map<string, Pending>();
  private failQueue: { type: string; status: number; message: string }[] = [];
  private nextId = 0;

  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
    private readonly instance: DuckDBInstance,
    private readonly db: DuckDBConnection,
    private readonly options: TimestreamQueryStandInOptions,
  ) {}

  /** Starts the stand-in with empty tables; fill them with putPredictions, putQuarantine, putDrift. */
  static async start(options: TimestreamQueryStandInOptions): Promise<TimestreamQueryStandIn> {
    const instance = await DuckDBInstance.create(':memory:');
    const db = await instance.connect();
    const schema = `"${options.database}"`;
    const measures = FAILURE_MODES.map((m) => `p_${m.toLowerCase()} DOUBLE`).join(', ');
    await db.run(`CREATE SCHEMA ${schema}`);
    await db.run(`CREATE TABLE ${schema}."predictions" (device_id VARCHAR, quality_type VARCHAR, model_name VARCHAR,
      firmware VARCHAR, measure_name VARCHAR, time TIMESTAMP, ${measures}, p_any DOUBLE, failure BOOLEAN,
      predicted_modes VARCHAR, air_temperature_k DOUBLE, process_temperature_k DOUBLE, rotational_speed_rpm DOUBLE,
      torque_nm DOUBLE, tool_wear_min DOUBLE, model_version VARCHAR, reading_sequence BIGINT, event_id VARCHAR,
      model_sequence BIGINT, reading_digest VARCHAR, measure_value_varchar VARCHAR)`);
    await db.run(`CREATE TABLE ${schema}."quarantine" (event_id VARCHAR, stage VARCHAR, code VARCHAR,
      device_id VARCHAR, measure_name VARCHAR, time TIMESTAMP, reason VARCHAR)`);
    await db.run(`CREATE TABLE ${schema}."drift_scores" (scope VARCHAR, feature VARCHAR, model_name VARCHAR,
      model_version VARCHAR, measure_name VARCHAR, time TIMESTAMP, psi DOUBLE, mean_shift DOUBLE,
      variance_ratio DOUBLE, cusum DOUBLE, state VARCHAR, breached BOOLEAN, n BIGINT)`);
    await db.run('CREATE MACRO from_milliseconds(ms) AS epoch_ms(CAST(ms AS BIGINT))');
    await db.run('CREATE MACRO to_milliseconds(t) AS epoch_ms(t)');

    let standIn: TimestreamQueryStandIn | undefined;
    const server = createServer((req, res) => {
      void standIn?.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify({ __type: 'InternalServerException', message: String(error) }));
      });
    });
    standIn = new TimestreamQueryStandIn(server, await listenOnLoopback(server), instance, db, options);
    return standIn;
  }

  /** Stores predictions as TimestreamSink writes them (predicted_modes left out when empty). */
  async putPredictions(rows: readonly PredictionRow[]): Promise<void> {
    const table = `"${this.options.database}"."predictions"`;
    for (const r of rows) {
      await this.db.run(
        `INSERT INTO ${table} VALUES ($device, $quality, $model, $firmware, 'prediction', epoch_ms($time::BIGINT),
          ${FAILURE_MODES.map((m) => `$p_${m.toLowerCase()}`).join(', ')}, $p_any, $failure, $modes, $air, $process,
          $speed, $torque, $wear, $version, $sequence, $event, $modelSequence, $digest, NULL)`,
        {
          device: r.deviceId,
          quality: r.qualityType,
          model: r.modelName,
          firmware: r.firmware,
          time: r.time,
          ...Object.fromEntries(FAILURE_MODES.map((m) => [`p_${m.toLowerCase()}`, r.probabilities[m]])),
          p_any: r.anyFailureProbability,
          failure: r.failure,
          modes: r.predictedModes.length > 0 ? r.predictedModes.join('|') : null,
          air: r.airTemperatureK,
          process: r.processTemperatureK,
          speed: r.rotationalSpeedRpm,
          torque: r.torqueNm,
          wear: r.toolWearMin,
          version: r.modelVersion,
          sequence: r.readingSequence,
          event: r.source.eventId,
          modelSequence: r.modelSequence,
          digest: r.readingDigest,
        } as Record<string, string | number | boolean | null>,
      );
    }
  }

  /** Stores quarantined records (time, code, device id). */
  async putQuarantine(
    rows: readonly { time: number; code: string; deviceId: string | null }[],
  ): Promise<void> {
    for (const [i, r] of rows.entries()) {
      await this.db.run(
        `INSERT INTO "${this.options.database}"."quarantine" VALUES ($event, 'decode', $code, $device, 'quarantine',
          epoch_ms($time::BIGINT), 'test')`,
        { event: `e-${i}-${r.time}`, code: r.code, device: r.deviceId, time: r.time } as Record<
          string,
          string | number | null
        >,
      );
    }
  }

  /** Stores drift rows as TimestreamDriftScoreSink writes them (state lower case; scope `fleet` unless given). */
  async putDrift(
    rows: readonly {
      time: number;
      scope?: string;
      feature: string;
      psi: number;
      meanShift: number;
      varianceRatio?: number;
      cusum?: number;
      breached?: boolean;
      state: string;
    }[],
  ): Promise<void> {
    for (const r of rows) {
      await this.db.run(
        `INSERT INTO "${this.options.database}"."drift_scores" VALUES ($scope, $feature, 'pfm-failure-mlp',
          'abc123def456', 'drift', epoch_ms($time::BIGINT), $psi, $shift, $ratio, $cusum, $state, $breached, 1000)`,
        {
          scope: r.scope ?? 'fleet',
          feature: r.feature,
          time: r.time,
          psi: r.psi,
          shift: r.meanShift,
          ratio: r.varianceRatio ?? null,
          cusum: r.cusum ?? null,
          state: r.state,
          breached: r.breached ?? null,
        },
      );
    }
  }

  /**
   * Replaces the predictions and quarantine tables with what TimestreamSink wrote to a Timestream Write stand-in
   * (test/helpers/timestreamStandIn.ts), record for record: the claims (scalar `reading_digest` records, their
   * value in measure_value_varchar as Timestream names it) as well as the predictions. So the adapter reads
   * exactly what the sink wrote.
   */
  async loadWritten(written: {
    predictions: readonly WrittenRecord[];
    quarantine: readonly WrittenRecord[];
  }): Promise<void> {
    for (const [table, records] of [
      ['predictions', written.predictions],
      ['quarantine', written.quarantine],
    ] as const) {
      const target = `"${this.options.database}"."${table}"`;
      await this.db.run(`DELETE FROM ${target}`);
      // The columns the period queries read; the rest of a record (raw bytes, ...) is not needed here.
      const known = new Set(
        (
          await this.db.runAndReadAll(
            `SELECT column_name FROM information_schema.columns WHERE table_schema = '${this.options.database}' AND table_name = '${table}'`,
          )
        )
          .getRowObjectsJson()
          .map((c) => String(c.column_name)),
      );
      for (const r of records) {
        const values: Record<string, string | number | boolean | null> = { ...r.dimensions };
        for (const [name, m] of Object.entries(r.measures)) {
          const column = name === r.measureName && m.type === 'VARCHAR' ? 'measure_value_varchar' : name;
          values[column] =
            m.type === 'DOUBLE' || m.type === 'BIGINT'
              ? Number(m.value)
              : m.type === 'BOOLEAN'
                ? m.value === 'true'
                : m.value;
        }
        const columns = Object.keys(values).filter((c) => known.has(c));
        await this.db.run(
          `INSERT INTO ${target} (measure_name, time, ${columns.map((c) => `"${c}"`).join(', ')})
           VALUES ($measure_name, epoch_ms($time::BIGINT), ${columns.map((_, i) => `$v${i}`).join(', ')})`,
          {
            measure_name: r.measureName,
            time: r.time,
            ...Object.fromEntries(columns.map((c, i) => [`v${i}`, values[c] ?? null])),
          } as Record<string, string | number | boolean | null>,
        );
      }
    }
  }

  /**
   * Stores what a sink wrote to the Timestream Write stand-in into table `table` as LiveAnalytics would hold it:
   * the table and each column created by the first record that carries it (measure_name, time, the dimensions,
   * one column per measure of a multi-measure record, typed by its MeasureValueType).
   */
  async loadSeries(table: string, records: readonly WrittenRecord[]): Promise<void> {
    const target = `"${this.options.database}"."${table}"`;
    const types: Record<string, string> = {
      DOUBLE: 'DOUBLE',
      BIGINT: 'BIGINT',
      VARCHAR: 'VARCHAR',
      BOOLEAN: 'BOOLEAN',
    };
    await this.db.run(`CREATE TABLE IF NOT EXISTS ${target} (measure_name VARCHAR, time TIMESTAMP)`);
    const columns = async () =>
      new Set(
        (
          await this.db.runAndReadAll(
            `SELECT column_name FROM information_schema.columns WHERE table_schema = '${this.options.database}' AND table_name = '${table}'`,
          )
        )
          .getRowObjectsJson()
          .map((c) => String(c.column_name)),
      );
    for (const r of records) {
      const known = await columns();
      const values: Record<string, string | number | boolean> = { ...r.dimensions };
      for (const name of Object.keys(r.dimensions)) {
        if (!known.has(name)) await this.db.run(`ALTER TABLE ${target} ADD COLUMN "${name}" VARCHAR`);
      }
      for (const [name, m] of Object.entries(r.measures)) {
        if (!known.has(name))
          await this.db.run(`ALTER TABLE ${target} ADD COLUMN "${name}" ${types[m.type] ?? 'VARCHAR'}`);
        values[name] =
          m.type === 'DOUBLE' || m.type === 'BIGINT'
            ? Number(m.value)
            : m.type === 'BOOLEAN'
              ? m.value === 'true'
              : m.value;
      }
      const names = Object.keys(values);
      await this.db.run(
        `INSERT INTO ${target} (measure_name, time, ${names.map((c) => `"${c}"`).join(', ')})
         VALUES ($measure_name, epoch_ms($time::BIGINT), ${names.map((_, i) => `$v${i}`).join(', ')})`,
        {
          measure_name: r.measureName,
          time: r.time,
          ...Object.fromEntries(names.map((c, i) => [`v${i}`, values[c] ?? null])),
        } as Record<string, string | number | boolean | null>,
      );
    }
  }

  /**
   * Removes columns, as a fresh table that no record has written them to yet (LiveAnalytics creates a column with
   * the first record that carries it). Call after the put* calls: those insert every column.
   */
  async dropColumns(table: string, columns: readonly string[]): Promise<void> {
    for (const c of columns)
      await this.db.run(`ALTER TABLE "${this.options.database}"."${table}" DROP COLUMN ${c}`);
  }

  /** Adds a column back, as the first record that carries it would, with its value on the rows `where` picks. */
  async addColumn(table: string, column: string, type: string, value: string, where: string): Promise<void> {
    const name = `"${this.options.database}"."${table}"`;
    await this.db.run(`ALTER TABLE ${name} ADD COLUMN ${column} ${type}`);
    await this.db.run(`UPDATE ${name} SET ${column} = $value WHERE ${where}`, { value });
  }

  /** Drops a table, as a deployment without it. */
  async dropTable(name: string): Promise<void> {
    await this.db.run(`DROP TABLE "${this.options.database}"."${name}"`);
  }

  /** The next calls fail with this error (once per entry). */
  failNext(type: string, status: number, message = `injected ${type}`, times = 1): void {
    for (let i = 0; i < times; i++) this.failQueue.push({ type, status, message });
  }

  /** Query strings the stand-in ran (first pages only). */
  queries(): string[] {
    return this.calls
      .filter((c) => c.queryString !== undefined && c.nextToken === undefined)
      .map((c) => c.queryString as string);
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
    this.db.closeSync();
    this.instance.closeSync();
  }

  private reply(
    res: ServerResponse,
    call: QueryCall,
    status: number,
    body: unknown,
    errorType?: string,
  ): void {
    call.status = status;
    if (errorType) call.errorType = errorType;
    this.calls.push(call);
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.0',
      ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
    });
    res.end(JSON.stringify(body));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = String(req.headers['x-amz-target'] ?? '');
    const body = JSON.parse((await readBody(req)) || '{}') as { QueryString?: string; NextToken?: string };
    const call: QueryCall = {
      target,
      contentType: req.headers['content-type'],
      signed: isSigned(req),
      status: 0,
      rows: 0,
      ...(body.QueryString !== undefined ? { queryString: body.QueryString } : {}),
      ...(body.NextToken !== undefined ? { nextToken: body.NextToken } : {}),
    };
    const error = (type: string, status: number, message: string) =>
      this.reply(res, call, status, { __type: `com.amazonaws.timestream.v20181101#${type}`, message }, type);

    if (target === DESCRIBE_ENDPOINTS_TARGET) {
      this.reply(res, call, 200, {
        Endpoints: [{ Address: new URL(this.endpoint).host, CachePeriodInMinutes: 1 }],
      });
      return;
    }
    if (target !== QUERY_TARGET) return error('UnknownOperationException', 400, `unknown target ${target}`);
    if (call.contentType !== 'application/x-amz-json-1.0') {
      return error('ValidationException', 400, `content-type must be application/x-amz-json-1.0`);
    }
    const injected = this.failQueue.shift();
    if (injected) return error(injected.type, injected.status, injected.message);
    if (!body.QueryString) return error('ValidationException', 400, 'QueryString is required');

    let page: Pending;
    let offset = 0;
    if (body.NextToken) {
      const [id = '', at = '0'] = body.NextToken.split(':');
      const found = this.pending.get(id);
      if (!found) return error('ValidationException', 400, 'invalid or expired NextToken');
      // The service pages a query only for the same query string.
      if (found.queryString !== body.QueryString)
        return error('ValidationException', 400, 'NextToken does not belong to this query string');
      page = found;
      offset = Number(at);
    } else {
      let result: Awaited<ReturnType<DuckDBConnection['runAndReadAll']>>;
      // DESCRIBE db.table (developer guide, "DESCRIBE statements"): the table's columns and their types, from
      // the columns the table has now (a column exists once a record wrote it; see dropColumns).
      const describe = /^DESCRIBE\s+"([^"]+)"\."([^"]+)"\s*$/i.exec(body.QueryString);
      const sql = describe
        ? `SELECT column_name AS "Column", lower(data_type) AS "Type", CASE WHEN column_name = 'time' THEN 'TIMESTAMP' WHEN column_name = 'measure_name' THEN 'MEASURE_NAME' ELSE 'DIMENSION_OR_MEASURE' END AS "Timestream attribute type" FROM information_schema.columns WHERE table_schema = '${describe[1]}' AND table_name = '${describe[2]}' ORDER BY ordinal_position`
        : body.QueryString;
      try {
        result = await this.db.runAndReadAll(sql);
        if (describe && result.currentRowCount === 0) throw new Error(`Table ${describe[2]} does not exist`);
      } catch (e) {
        const message = (e as Error).message;
        if (/does not exist/i.test(message))
          return error('ValidationException', 400, `Table does not exist: ${message}`);
        return error('ValidationException', 400, `query failed: ${message}`);
      }
      const columns = result.columnNames().map((name, i) => {
        const duck = result.columnType(i).toString();
        return { name, type: SCALAR_TYPES[duck] ?? SCALAR_TYPES[duck.split('(')[0] ?? ''] ?? 'VARCHAR' };
      });
      page = { queryString: body.QueryString, columns, rows: result.getRowsJson() as unknown[][] };
      const id = `q${++this.nextId}`;
      this.pending.set(id, page);
      if (this.options.emptyFirstPage) {
        this.reply(res, call, 200, {
          QueryId: id,
          Rows: [],
          ColumnInfo: columns.map((c) => ({ Name: c.name, Type: { ScalarType: c.type } })),
          NextToken: `${id}:0`,
          QueryStatus: { ProgressPercentage: 0 },
        });
        return;
      }
      body.NextToken = `${id}:0`;
    }
    const id = (body.NextToken ?? '').split(':')[0] ?? '';
    const size = this.options.pageSize ?? 1000;
    const slice = page.rows.slice(offset, offset + size);
    const more = offset + size < page.rows.length;
    call.rows = slice.length;
    this.reply(res, call, 200, {
      QueryId: id,
      Rows: slice.map((row) => ({ Data: row.map((v, i) => datum(v, page.columns[i]?.type ?? 'VARCHAR')) })),
      ColumnInfo: page.columns.map((c) => ({ Name: c.name, Type: { ScalarType: c.type } })),
      ...(more ? { NextToken: `${id}:${offset + size}` } : {}),
      QueryStatus: { ProgressPercentage: 100 },
    });
  }
}
