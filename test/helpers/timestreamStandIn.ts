import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, isSigned, listenOnLoopback, readBody } from './httpStandIn.js';

/**
 * TEST AID, not a Timestream implementation: an HTTP server on 127.0.0.1 that speaks the Timestream Write wire
 * protocol (AWS JSON 1.0: POST /, X-Amz-Target Timestream_20181101.<Operation>) well enough for the unmodified SDK
 * client (which, given its endpoint through AWS_ENDPOINT_URL_TIMESTREAM_WRITE rather than `endpoint`, still runs
 * endpoint discovery: DescribeEndpoints is answered too), and enforces the documented limits a sink must respect:
 * - per request (ValidationException, the whole call fails): 1-100 records; at most 128 dimensions; dimension
 *   names 1-60 bytes; measure names 1-256; measure values 1-2048 characters; valid enum values;
 * - per record (RejectedRecordsException, the other records of the call are written): record size over 2 KB (the
 *   metered size); more than 256 measures in a multi-measure record; reserved or malformed names; values that do
 *   not parse as their MeasureValueType; an empty dimension value; a time outside the memory store's retention
 *   (default 6 h back, 15 min ahead); a duplicate (same dimensions, measure name and time) with different values
 *   and no higher Version (reason text like the service's, with ExistingVersion).
 * Accepted records are kept for assertions; throttling, server errors and rejections can be injected, and a
 * latency added to every call.
 *
 * Where each rule comes from (Amazon Timestream for LiveAnalytics developer guide and API reference):
 * - Version and upserts: a record is identified by its dimensions, measure name and time; a write with a higher
 *   Version replaces it, the same values with any Version are accepted ("still updates Version, if it is
 *   greater"), other values without a higher Version are rejected, the rejection carrying ExistingVersion —
 *   API_WriteRecords.html ("Upserts"), API_RejectedRecord.html (ExistingVersion), writes.html#writes.writing-
 *   data-multi-measure-attributes.
 * - 1-100 records a call, dimension names 1-60 bytes, at most 128 dimensions, measure names 1-256 bytes,
 *   measure values 1-2048 characters, 256 measures a multi-measure record, 2 KB a record — ts-limits.html
 *   ("Quotas", "Default quotas" and "System limits").
 * - The metered record size (8 bytes of time, names, values by type) — metering-and-pricing.writes.html.
 * - Reserved names (measure_name, measure_value, time), the ts_ and measure_value prefixes, no colon —
 *   ts-limits.html#limits.naming.
 * - Values that must parse as their MeasureValueType, the types and time units — API_MeasureValue.html,
 *   API_Record.html, writes.html#writes.data-types.
 * - Writes outside the memory store's retention, or more than 15 minutes ahead, are rejected —
 *   writes.html ("future ingestion") and storage.html ("memory store").
 * - RejectedRecordsException (HTTP 419 here, as the SDK reads the error type from the body) leaves the other
 *   records of the call written — API_WriteRecords.html ("Errors").
 * - DescribeEndpoints for endpoint discovery — Using-API.endpoint-discovery.html.
 * (Pages under https://docs.aws.amazon.com/timestream/latest/developerguide/.)
 */

export const INJECTABLE_ERRORS = {
  ThrottlingException: 429,
  InternalServerException: 500,
  ValidationException: 400,
  AccessDeniedException: 403,
  ResourceNotFoundException: 404,
} as const;
export type InjectableError = keyof typeof INJECTABLE_ERRORS;

export interface StoredMeasure {
  type: string;
  value: string;
}

/** A record the stand-in accepted, after CommonAttributes were merged in. */
export interface StoredRecord {
  database: string;
  table: string;
  measureName: string;
  /** Epoch milliseconds. */
  time: number;
  version: number;
  dimensions: Record<string, string>;
  /** For MULTI records the named measures; for a scalar record one entry under the measure name. */
  measures: Record<string, StoredMeasure>;
}

/** One request as the stand-in saw it. */
export interface StandInCall {
  target: string;
  contentType: string | undefined;
  signed: boolean;
  database?: string;
  table?: string;
  records: number;
  status: number;
  errorType?: string;
}

export interface TimestreamStandInOptions {
  /** Added to every call before it is answered. */
  latencyMs?: number;
  memoryStoreRetentionHours?: number;
  futureIngestionMinutes?: number;
  now?: () => number;
  /** `database.table` names that exist; without it every table exists. */
  tables?: readonly string[];
}

/** A rule that rejects a record (its reason) or lets it through (undefined). */
export type RejectionRule = (record: StoredRecord) => string | undefined;

const TARGET_PREFIX = 'Timestream_20181101.';
const ERROR_NAMESPACE = 'com.amazonaws.timestream.v20181101#';
const MEASURE_VALUE_TYPES = new Set(['DOUBLE', 'BIGINT', 'VARCHAR', 'BOOLEAN', 'TIMESTAMP', 'MULTI']);
const TIME_UNITS: Record<string, number> = {
  MILLISECONDS: 1,
  SECONDS: 1000,
  MICROSECONDS: 1e-3,
  NANOSECONDS: 1e-6,
};
const RESERVED_NAMES = new Set(['measure_name', 'measure_value', 'time']);
const MAX_RECORDS = 100;
const MAX_DIMENSIONS = 128;
const MAX_DIMENSION_NAME_BYTES = 60;
const MAX_MEASURE_NAME_BYTES = 256;
const MAX_MEASURE_VALUE_CHARS = 2048;
const MAX_RECORD_BYTES = 2048;
const MAX_MULTI_MEASURES = 256;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

interface WireDimension {
  Name?: string;
  Value?: string;
  DimensionValueType?: string;
}
interface WireMeasureValue {
  Name?: string;
  Value?: string;
  Type?: string;
}
interface WireRecord {
  Dimensions?: WireDimension[];
  MeasureName?: string;
  MeasureValue?: string;
  MeasureValueType?: string;
  MeasureValues?: WireMeasureValue[];
  Time?: string;
  TimeUnit?: string;
  Version?: number;
}
interface WriteRecordsBody {
  DatabaseName?: string;
  TableName?: string;
  CommonAttributes?: WireRecord;
  Records?: WireRecord[];
}

class WireError extends Error {
  constructor(
    readonly type: string,
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** The Timestream Write stand-in (see the module comment). */
export class TimestreamStandIn {
  readonly calls: StandInCall[] = [];
  /** The most requests that were being handled at the same time (a sink's concurrency, as seen by the server). */
  maxInFlight = 0;
  private inFlight = 0;
  private readonly store = new Map<string, StoredRecord>();
  private failQueue: InjectableError[] = [];
  private perRequest: { error: InjectableError; attempts: number } | undefined;
  private readonly seenBodies = new Map<string, number>();
  private rules: RejectionRule[] = [];
  private latencyMs: number;

  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
    private readonly options: TimestreamStandInOptions,
  ) {
    this.latencyMs = options.latencyMs ?? 0;
  }

  /** Starts the stand-in on 127.0.0.1 on a port the OS picks. */
  static async start(options: TimestreamStandInOptions = {}): Promise<TimestreamStandIn> {
    let standIn: TimestreamStandIn | undefined;
    const server = createServer((req, res) => {
      void standIn?.handle(req, res);
    });
    server.keepAliveTimeout = 30_000;
    standIn = new TimestreamStandIn(server, await listenOnLoopback(server), options);
    return standIn;
  }

  /** The accepted records of one table, in no particular order. */
  records(database: string, table: string): StoredRecord[] {
    return [...this.store.values()].filter((r) => r.database === database && r.table === table);
  }

  /** WriteRecords calls received so far (answered or not). */
  get writeCalls(): StandInCall[] {
    return this.calls.filter((c) => c.target === `${TARGET_PREFIX}WriteRecords`);
  }

  /** The next `times` WriteRecords calls fail with `error`, whatever they carry. */
  failNext(error: InjectableError, times = 1): void {
    for (let i = 0; i < times; i++) this.failQueue.push(error);
  }

  /** Every distinct request body fails its first `attempts` sends with `error` (retries of it then succeed). */
  failEachRequest(error: InjectableError, attempts: number): void {
    this.perRequest = { error, attempts };
    this.seenBodies.clear();
  }

  /** Adds a rule that rejects matching records one by one (RejectedRecordsException). */
  rejectWhere(rule: RejectionRule): void {
    this.rules.push(rule);
  }

  setLatency(ms: number): void {
    this.latencyMs = ms;
  }

  /** Forgets stored records, calls, injected faults and rules. */
  reset(): void {
    this.store.clear();
    this.calls.length = 0;
    this.maxInFlight = 0;
    this.failQueue = [];
    this.perRequest = undefined;
    this.seenBodies.clear();
    this.rules = [];
  }

  /** Closes the server and its keep-alive connections. */
  async stop(): Promise<void> {
    await closeServer(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const target = String(req.headers['x-amz-target'] ?? '');
    const call: StandInCall = {
      target,
      contentType: req.headers['content-type'],
      signed: isSigned(req),
      records: 0,
      status: 200,
    };
    this.calls.push(call);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
      if (req.method !== 'POST' || (req.url ?? '/') !== '/') {
        throw new WireError('UnknownOperationException', 404, `no route for ${req.method} ${req.url}`);
      }
      if (call.contentType !== 'application/x-amz-json-1.0') {
        throw new WireError('ValidationException', 400, `unsupported content type ${call.contentType}`);
      }
      let body: unknown;
      try {
        body = raw === '' ? {} : JSON.parse(raw);
      } catch {
        throw new WireError('SerializationException', 400, 'the request body is not JSON');
      }
      if (target === `${TARGET_PREFIX}DescribeEndpoints`) {
        // The service answers a bare host name; the SDK swaps it into the request and keeps the configured port.
        return this.reply(res, call, 200, {
          Endpoints: [{ Address: '127.0.0.1', CachePeriodInMinutes: 1440 }],
        });
      }
      if (target !== `${TARGET_PREFIX}WriteRecords`) {
        throw new WireError('UnknownOperationException', 400, `unknown operation ${target}`);
      }
      const write = body as WriteRecordsBody;
      call.database = write.DatabaseName;
      call.table = write.TableName;
      call.records = Array.isArray(write.Records) ? write.Records.length : 0;
      this.injectedFault(raw);
      return this.reply(res, call, 200, this.writeRecords(write));
    } catch (error) {
      if (error instanceof WireError) {
        call.errorType = error.type;
        return this.reply(res, call, error.status, {
          __type: `${ERROR_NAMESPACE}${error.type}`,
          Message: error.message,
          ...error.extra,
        });
      }
      call.errorType = 'InternalServerException';
      return this.reply(res, call, 500, {
        __type: `${ERROR_NAMESPACE}InternalServerException`,
        Message: String(error),
      });
    } finally {
      this.inFlight--;
    }
  }

  private reply(res: ServerResponse, call: StandInCall, status: number, body: Record<string, unknown>): void {
    call.status = status;
    const headers: Record<string, string> = {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-requestid': createHash('sha1').update(String(this.calls.length)).digest('hex').slice(0, 26),
    };
    if (typeof body.__type === 'string')
      headers['x-amzn-errortype'] = body.__type.slice(ERROR_NAMESPACE.length);
    res.writeHead(status, headers);
    res.end(JSON.stringify(body));
  }

  private injectedFault(rawBody: string): void {
    const queued = this.failQueue.shift();
    if (queued !== undefined) throw new WireError(queued, INJECTABLE_ERRORS[queued], `injected ${queued}`);
    if (this.perRequest !== undefined) {
      const digest = createHash('sha256').update(rawBody).digest('hex');
      const seen = (this.seenBodies.get(digest) ?? 0) + 1;
      this.seenBodies.set(digest, seen);
      if (seen <= this.perRequest.attempts) {
        const { error } = this.perRequest;
        throw new WireError(error, INJECTABLE_ERRORS[error], `injected ${error} (attempt ${seen})`);
      }
    }
  }

  private writeRecords(body: WriteRecordsBody): Record<string, unknown> {
    const database = body.DatabaseName ?? '';
    const table = body.TableName ?? '';
    validateRequest(body);
    if (this.options.tables !== undefined && !this.options.tables.includes(`${database}.${table}`)) {
      throw new WireError('ResourceNotFoundException', 404, `The table ${table} does not exist.`);
    }
    const now = (this.options.now ?? Date.now)();
    const earliest = now - (this.options.memoryStoreRetentionHours ?? 6) * 3_600_000;
    const latest = now + (this.options.futureIngestionMinutes ?? 15) * 60_000;
    const rejected: { RecordIndex: number; Reason: string; ExistingVersion?: number }[] = [];
    let ingested = 0;
    (body.Records ?? []).forEach((wire, index) => {
      const merged = merge(body.CommonAttributes ?? {}, wire);
      const problem = recordProblem(merged);
      if (problem !== undefined) {
        rejected.push({ RecordIndex: index, Reason: problem });
        return;
      }
      const record = toStored(database, table, merged);
      if (record.time < earliest || record.time > latest) {
        rejected.push({
          RecordIndex: index,
          Reason: `The record timestamp is outside the time range [${new Date(earliest).toISOString()}, ${new Date(latest).toISOString()}) of the memory store.`,
        });
        return;
      }
      for (const rule of this.rules) {
        const reason = rule(record);
        if (reason !== undefined) {
          rejected.push({ RecordIndex: index, Reason: reason });
          return;
        }
      }
      const key = identity(record);
      const existing = this.store.get(key);
      if (existing !== undefined && !sameValues(existing.measures, record.measures)) {
        if (record.version <= existing.version) {
          rejected.push({
            RecordIndex: index,
            Reason:
              record.version === existing.version
                ? 'A record already exists with the same time, dimensions, measure name, and record version. A higher record version must be specified in order to update the measure value.'
                : `The record version ${record.version} is lower than the existing version ${existing.version}. A higher version is required to update the measure value.`,
            ExistingVersion: existing.version,
          });
          return;
        }
      }
      // Same values: accepted without change, except that a higher version is kept (as the service does).
      if (existing === undefined || record.version > existing.version) this.store.set(key, record);
      ingested++;
    });
    if (rejected.length > 0) {
      throw new WireError(
        'RejectedRecordsException',
        419,
        'One or more records have been rejected. See RejectedRecords for details.',
        {
          RejectedRecords: rejected,
        },
      );
    }
    return { RecordsIngested: { Total: ingested, MemoryStore: ingested, MagneticStore: 0 } };
  }
}

function validateRequest(body: WriteRecordsBody): void {
  const fail = (message: string): never => {
    throw new WireError('ValidationException', 400, `1 validation error detected: ${message}`);
  };
  for (const [field, value] of [
    ['databaseName', body.DatabaseName],
    ['tableName', body.TableName],
  ] as const) {
    if (typeof value !== 'string' || value.length < 3 || value.length > 256) {
      fail(`Value at '${field}' failed to satisfy constraint: Member must have length between 3 and 256`);
    }
  }
  const records = body.Records;
  if (!Array.isArray(records) || records.length < 1 || records.length > MAX_RECORDS) {
    fail(
      `Value at 'records' failed to satisfy constraint: Member must have length between 1 and ${MAX_RECORDS}`,
    );
  }
  const all = [body.CommonAttributes ?? {}, ...(records as WireRecord[])];
  for (const r of all) {
    const dims = r.Dimensions ?? [];
    if (dims.length > MAX_DIMENSIONS)
      fail(`Member must have length less than or equal to ${MAX_DIMENSIONS} (dimensions)`);
    for (const d of dims) {
      const bytes = Buffer.byteLength(d.Name ?? '', 'utf8');
      if (bytes < 1 || bytes > MAX_DIMENSION_NAME_BYTES) {
        fail(
          `Value '${d.Name}' at 'dimension.name' failed to satisfy constraint: Member must have length between 1 and ${MAX_DIMENSION_NAME_BYTES}`,
        );
      }
      if (typeof d.Value !== 'string') fail(`Value at 'dimension.value' must not be null`);
      if (d.DimensionValueType !== undefined && d.DimensionValueType !== 'VARCHAR')
        fail(`dimensionValueType must be VARCHAR`);
    }
    if (r.MeasureName !== undefined) {
      const bytes = Buffer.byteLength(r.MeasureName, 'utf8');
      if (bytes < 1 || bytes > MAX_MEASURE_NAME_BYTES)
        fail(`measureName must have length between 1 and ${MAX_MEASURE_NAME_BYTES}`);
    }
    if (
      r.MeasureValue !== undefined &&
      (r.MeasureValue.length < 1 || r.MeasureValue.length > MAX_MEASURE_VALUE_CHARS)
    ) {
      fail(`measureValue must have length between 1 and ${MAX_MEASURE_VALUE_CHARS}`);
    }
    for (const m of r.MeasureValues ?? []) {
      if (typeof m.Value !== 'string' || m.Value.length < 1 || m.Value.length > MAX_MEASURE_VALUE_CHARS) {
        fail(
          `Value at 'measureValues.member.value' failed to satisfy constraint: Member must have length between 1 and ${MAX_MEASURE_VALUE_CHARS}`,
        );
      }
      if (!MEASURE_VALUE_TYPES.has(m.Type ?? '') || m.Type === 'MULTI')
        fail(`measureValues.member.type '${m.Type}' is not valid`);
    }
    if (r.MeasureValueType !== undefined && !MEASURE_VALUE_TYPES.has(r.MeasureValueType)) {
      fail(`measureValueType '${r.MeasureValueType}' is not valid`);
    }
    if (r.TimeUnit !== undefined && TIME_UNITS[r.TimeUnit] === undefined)
      fail(`timeUnit '${r.TimeUnit}' is not valid`);
    if (r.Version !== undefined && !Number.isSafeInteger(r.Version)) fail(`version must be a 64-bit integer`);
  }
}

/** Record fields win over CommonAttributes; dimensions are the union (a record's value wins on a shared name). */
function merge(common: WireRecord, record: WireRecord): WireRecord {
  const dims = new Map<string, WireDimension>();
  for (const d of common.Dimensions ?? []) dims.set(d.Name ?? '', d);
  for (const d of record.Dimensions ?? []) dims.set(d.Name ?? '', d);
  return { ...common, ...record, Dimensions: [...dims.values()] };
}

function nameProblem(kind: string, name: string): string | undefined {
  if (RESERVED_NAMES.has(name)) return `The ${kind} name ${name} is reserved.`;
  if (name.startsWith('ts_') || name.startsWith('measure_value'))
    return `The ${kind} name ${name} has a reserved prefix.`;
  if (name.includes(':')) return `The ${kind} name ${name} contains the colon character.`;
  return undefined;
}

function valueProblem(type: string, value: string, name: string): string | undefined {
  const ok =
    type === 'DOUBLE'
      ? /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(value) && Number.isFinite(Number(value))
      : type === 'BIGINT' || type === 'TIMESTAMP'
        ? /^-?\d+$/.test(value) && BigInt(value) >= INT64_MIN && BigInt(value) <= INT64_MAX
        : type === 'BOOLEAN'
          ? /^(true|false)$/i.test(value)
          : value.length > 0;
  return ok
    ? undefined
    : `Invalid measure value ${JSON.stringify(value)} for measure ${name} of type ${type}.`;
}

function recordProblem(r: WireRecord): string | undefined {
  if (r.MeasureName === undefined) return 'The record has no measure name.';
  if (r.Time === undefined || !/^\d+$/.test(r.Time)) return `Invalid time ${JSON.stringify(r.Time)}.`;
  const dims = r.Dimensions ?? [];
  const dimNames = new Set<string>();
  for (const d of dims) {
    const name = d.Name ?? '';
    const bad = nameProblem('dimension', name);
    if (bad !== undefined) return bad;
    if (!d.Value) return `The dimension ${name} has an empty value.`;
    dimNames.add(name);
  }
  const type = r.MeasureValueType ?? 'DOUBLE';
  if (type === 'MULTI') {
    const measures = r.MeasureValues ?? [];
    if (measures.length === 0) return 'A MULTI record needs at least one measure value.';
    if (r.MeasureValue !== undefined) return 'A MULTI record cannot have a MeasureValue.';
    if (measures.length > MAX_MULTI_MEASURES) {
      return `The record has ${measures.length} measures; a multi-measure record can have at most ${MAX_MULTI_MEASURES}.`;
    }
    const seen = new Set<string>();
    for (const m of measures) {
      const name = m.Name ?? '';
      const bad = nameProblem('measure', name) ?? (name === '' ? 'A measure value has no name.' : undefined);
      if (bad !== undefined) return bad;
      if (seen.has(name)) return `The measure ${name} appears twice in the record.`;
      if (dimNames.has(name)) return `The measure ${name} has the name of a dimension.`;
      seen.add(name);
      const badValue = valueProblem(m.Type ?? '', m.Value ?? '', name);
      if (badValue !== undefined) return badValue;
    }
  } else {
    if (r.MeasureValues !== undefined) return 'Only MULTI records can have MeasureValues.';
    const badValue = valueProblem(type, r.MeasureValue ?? '', r.MeasureName);
    if (badValue !== undefined) return badValue;
  }
  const measureNameProblem = nameProblem('measure', r.MeasureName);
  if (measureNameProblem !== undefined) return measureNameProblem;
  const size = meteredSize(r);
  if (size > MAX_RECORD_BYTES)
    return `The record size ${size} bytes exceeds the maximum record size of ${MAX_RECORD_BYTES} bytes.`;
  return undefined;
}

/** The metered record size (developer guide, "Writes"), computed here independently of the sink. */
function meteredSize(r: WireRecord): number {
  const valueBytes = (type: string, value: string): number =>
    type === 'DOUBLE' || type === 'BIGINT' || type === 'TIMESTAMP'
      ? 8
      : type === 'BOOLEAN'
        ? 1
        : Buffer.byteLength(value, 'utf8');
  let size = 8 + Buffer.byteLength(r.MeasureName ?? '', 'utf8');
  for (const d of r.Dimensions ?? []) size += Buffer.byteLength(`${d.Name}${d.Value}`, 'utf8');
  if (r.MeasureValueType === 'MULTI') {
    for (const m of r.MeasureValues ?? [])
      size += Buffer.byteLength(m.Name ?? '', 'utf8') + valueBytes(m.Type ?? '', m.Value ?? '');
  } else {
    size += valueBytes(r.MeasureValueType ?? 'DOUBLE', r.MeasureValue ?? '');
  }
  return size;
}

function toStored(database: string, table: string, r: WireRecord): StoredRecord {
  const dimensions: Record<string, string> = {};
  for (const d of r.Dimensions ?? []) dimensions[d.Name as string] = d.Value as string;
  const measures: Record<string, StoredMeasure> = {};
  const type = r.MeasureValueType ?? 'DOUBLE';
  if (type === 'MULTI') {
    for (const m of r.MeasureValues ?? [])
      measures[m.Name as string] = { type: m.Type as string, value: m.Value as string };
  } else {
    measures[r.MeasureName as string] = { type, value: r.MeasureValue as string };
  }
  const unit = TIME_UNITS[r.TimeUnit ?? 'MILLISECONDS'] as number;
  return {
    database,
    table,
    measureName: r.MeasureName as string,
    time: Math.floor(Number(r.Time) * unit),
    version: r.Version ?? 1,
    dimensions,
    measures,
  };
}

function identity(r: StoredRecord): string {
  const dims = Object.entries(r.dimensions)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('\u0001');
  return [r.database, r.table, r.measureName, r.time, dims].join('\u0000');
}

function sameValues(a: Record<string, StoredMeasure>, b: Record<string, StoredMeasure>): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => {
    const x = a[k];
    const y = b[k];
    if (x === undefined || y === undefined || x.type !== y.type) return false;
    if (x.type === 'DOUBLE') return Number(x.value) === Number(y.value);
    if (x.type === 'BIGINT' || x.type === 'TIMESTAMP') return BigInt(x.value) === BigInt(y.value);
    if (x.type === 'BOOLEAN') return x.value.toLowerCase() === y.value.toLowerCase();
    return x.value === y.value;
  });
}
