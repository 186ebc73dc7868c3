import { type Backoff, createBackoff, type RetryHooks } from '../../kernel/backoff.js';
import { PfmError } from '../../kernel/errors.js';
import { identityKey } from '../../schemas/readingIdentity.js';
import type { PredictionRow, PredictionSink, QuarantineRow, QuarantineSink } from '../inference/types.js';
import {
  PREDICTION_SERIES,
  QUARANTINE_SERIES,
  type SeriesSchema,
  SINK_DEFAULTS,
  SINK_QUARANTINE_CODES,
} from './constants.js';
import { fixedCredentials, type InfluxCredentials } from './InfluxCredentials.js';
import { applyIdentityPolicy, conflictRow, refusedPrediction, type StoredReading } from './identityPolicy.js';
import { lineProblem, toLine } from './lineProtocol.js';
import { type Refusal, throwIfQuarantineRefused, writeConcurrently } from './refusals.js';
import { sinkRetrySettings } from './retrySettings.js';
import { pointProblem, predictionPoint, quarantinePoint, type SeriesPoint } from './seriesPoints.js';
import type { ResolvedInfluxAuth, RetrySettings } from './types.js';

export interface InfluxDbSinkOptions extends RetryHooks {
  /** Base URL of the server, e.g. `https://id-abc.timestream-influxdb.eu-west-1.on.aws:8086`. */
  url: string;
  database: string;
  /** Retention policy (`rp`); the database's default when undefined. */
  retentionPolicy?: string;
  auth?: ResolvedInfluxAuth;
  /** Credentials that can be read again after a 401/403 (a rotated token); they take precedence over `auth`. */
  credentials?: InfluxCredentials;
  /** Lines per request; default 5,000 (InfluxDB's advice for batch size). */
  batchLines?: number;
  /** Requests in flight at once; default 4. */
  concurrency?: number;
  /** Per request; default 10 s. */
  timeoutMs?: number;
  /** A 429/503 asking to wait longer than this fails the call as retryable instead of waiting; default 10 s. */
  maxRetryAfterMs?: number;
  retry?: Partial<RetrySettings>;
}

interface Line {
  text: string;
  index: number;
}

// Quarantined payloads are kept whole up to this size; InfluxDB caps a string field at 64 KB.
const QUARANTINE_RAW_BASE64_MAX_CHARS = 48 * 1024;
const QUARANTINE_REASON_MAX_BYTES = 4 * 1024;
/** Error texts of InfluxDB 1.x, 2.x and 3.x that are about some lines, not about the request. */
const LINE_LEVEL_ERROR =
  /partial write|unable to parse|field type conflict|beyond retention|parsing failed|line protocol/i;
/** 1.x answers a missing retention policy with a 500; retrying cannot help. */
const CONFIG_SERVER_ERROR = /retention policy not found|database not found/i;
/** Devices per read-before-write query (an OR of tag comparisons). */
const DEVICES_PER_QUERY = 100;
/** Nanosecond slots per millisecond of arrival time: records arriving in the same ms get different slots. */
const NS_PER_MS = 1_000_000n;

/**
 * InfluxDB behind the sink ports, through the v1 `/write` and `/query` endpoints that InfluxDB 1.x, 2.x and 3.x
 * (and Timestream for InfluxDB) all accept. Predictions are points of measurement `prediction` tagged device_id and
 * quality_type; quarantined records are points of measurement `quarantine` tagged stage, code and shard_id (few
 * values each: never one series per record), in the same database. Every field is written on every point.
 *
 * InfluxDB has no conditional write (the last write of a point wins, fields merging), so the identity policy
 * (schemas/README.md, "Identity") is applied by reading before writing: the points already stored for the batch's
 * identities are read back (reading_digest, model_sequence), identityPolicy.ts decides, and only its writes are
 * sent. A shard's batches come one after another, and one device's readings share a shard, so no other writer
 * races for the same identity. Quarantine points are found by their event_id field the same way; a new one is
 * written at its arrival time in nanoseconds plus the first slot of that millisecond no point holds yet, so two
 * records of the same millisecond stay two points and a redelivered one adds nothing.
 *
 * Retries: 429/503 wait as the server's Retry-After says (full-jitter backoff without it), other 5xx back off; used
 * up, they throw a retryable PfmError('SINK_UNAVAILABLE'). A partial write (HTTP 400 "partial write", a field type
 * conflict, a line that does not parse) is narrowed down by halving the batch until the refused lines are found;
 * those come back as quarantine rows with the server's reason. Rewriting lines that were already accepted is safe
 * (same point, same values). Authentication, unknown database and other request errors are non-retryable.
 */
export class InfluxDbSink implements PredictionSink, QuarantineSink {
  private readonly writeUrl: string;
  private readonly writeUrlNs: string;
  private readonly queryUrl: string;
  private readonly headers: Record<string, string>;
  private readonly credentials: InfluxCredentials;
  private readonly batchLines: number;
  private readonly concurrency: number;
  private readonly timeoutMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly retry: RetrySettings;
  private readonly backoff: Backoff;

  constructor(private readonly options: InfluxDbSinkOptions) {
    const base = options.url.endsWith('/') ? options.url : `${options.url}/`;
    const url = new URL('write', base);
    url.searchParams.set('db', options.database);
    if (options.retentionPolicy !== undefined) url.searchParams.set('rp', options.retentionPolicy);
    url.searchParams.set('precision', 'ms');
    this.writeUrl = url.toString();
    url.searchParams.set('precision', 'ns');
    this.writeUrlNs = url.toString();
    const query = new URL('query', base);
    query.searchParams.set('db', options.database);
    if (options.retentionPolicy !== undefined) query.searchParams.set('rp', options.retentionPolicy);
    query.searchParams.set('epoch', 'ns');
    this.queryUrl = query.toString();
    this.headers = { 'content-type': 'text/plain; charset=utf-8' };
    this.credentials = options.credentials ?? fixedCredentials(options.auth ?? { kind: 'none' });
    this.batchLines = options.batchLines ?? SINK_DEFAULTS.influxBatchLines;
    this.concurrency = options.concurrency ?? SINK_DEFAULTS.concurrency;
    this.timeoutMs = options.timeoutMs ?? SINK_DEFAULTS.influxTimeoutMs;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? SINK_DEFAULTS.influxMaxRetryAfterMs;
    this.retry = sinkRetrySettings(options.retry);
    this.backoff = createBackoff(this.retry, options);
  }

  /** Writes the predictions by the identity policy; returns the refused rows (conflicts among them) to quarantine. */
  async writePredictions(rows: readonly PredictionRow[]): Promise<{ rejected: QuarantineRow[] }> {
    const rejected: QuarantineRow[] = [];
    const valid: PredictionRow[] = [];
    for (const row of rows) {
      const point = predictionPoint(row);
      const problem = pointProblem(point, PREDICTION_SERIES) ?? lineProblem(point, PREDICTION_SERIES);
      if (problem === undefined) valid.push(row);
      else rejected.push(refusedPrediction(row, SINK_QUARANTINE_CODES.invalidRecord, problem));
    }
    const outcome = applyIdentityPolicy(valid, await this.heldReadings(valid));
    for (const c of outcome.conflicts) rejected.push(conflictRow(valid[c.index] as PredictionRow));
    const lines = outcome.writes.map((index) => ({
      text: toLine(predictionPoint(valid[index] as PredictionRow), PREDICTION_SERIES),
      index,
    }));
    for (const r of await this.writeAll(lines, this.writeUrl)) {
      rejected.push(
        refusedPrediction(valid[r.index] as PredictionRow, SINK_QUARANTINE_CODES.influxRejected, r.reason),
      );
    }
    return { rejected };
  }

  /** Writes quarantined rows to measurement `quarantine`, once per event id; a row the server refuses fails the call. */
  async quarantine(rows: readonly QuarantineRow[]): Promise<void> {
    const budget = {
      reasonMaxBytes: QUARANTINE_REASON_MAX_BYTES,
      rawBase64MaxChars: QUARANTINE_RAW_BASE64_MAX_CHARS,
    };
    const { stored, occupied } = await this.heldQuarantine(rows);
    const lines: Line[] = [];
    const refusals: Refusal[] = [];
    rows.forEach((row, index) => {
      if (stored.has(row.source.eventId)) return; // quarantined before: a redelivery
      stored.add(row.source.eventId);
      const point = quarantinePoint(row, budget);
      const problem = lineProblem(point, QUARANTINE_SERIES);
      if (problem !== undefined) {
        refusals.push({ index, reason: problem });
        return;
      }
      let time = BigInt(row.receivedAt) * NS_PER_MS;
      while (occupied.has(time)) time++;
      occupied.add(time);
      // Every field on every point: '' where Timestream leaves a measure out.
      const complete = {
        ...point,
        measures: {
          ...point.measures,
          device_id: point.measures.device_id ?? '',
          raw_base64: point.measures.raw_base64 ?? '',
        },
      };
      lines.push({ text: toLine(complete, QUARANTINE_SERIES, String(time)), index });
    });
    refusals.push(...(await this.writeAll(lines, this.writeUrlNs)));
    throwIfQuarantineRefused(
      refusals.sort((a, b) => a.index - b.index),
      rows,
      { store: 'InfluxDB', unit: 'point', place: this.options.database },
    );
  }

  /** The stored digest and model sequence of every identity of `rows` that the measurement holds. */
  private async heldReadings(rows: readonly PredictionRow[]): Promise<Map<string, StoredReading>> {
    const held = new Map<string, StoredReading>();
    if (rows.length === 0) return held;
    let from = Number.POSITIVE_INFINITY;
    let to = Number.NEGATIVE_INFINITY;
    for (const r of rows) {
      from = Math.min(from, r.time);
      to = Math.max(to, r.time);
    }
    const devices = [...new Set(rows.map((r) => r.deviceId))];
    for (let i = 0; i < devices.length; i += DEVICES_PER_QUERY) {
      const which = devices
        .slice(i, i + DEVICES_PER_QUERY)
        .map((d) => `"device_id" = ${influxString(d)}`)
        .join(' OR ');
      const series = await this.query(
        `SELECT "reading_digest", "model_sequence", "device_id" FROM "${PREDICTION_SERIES.influxMeasurement}" ` +
          `WHERE time >= ${from}ms AND time <= ${to}ms AND (${which})`,
      );
      for (const row of series) {
        const [time, digest, sequence, device] = row;
        if (typeof digest !== 'string' || typeof device !== 'string') continue;
        const timestamp = Number(BigInt(String(time)) / NS_PER_MS);
        held.set(identityKey({ deviceId: device, timestamp }), {
          readingDigest: digest,
          modelSequence: Number(sequence ?? 0),
        });
      }
    }
    return held;
  }

  /** Event ids already quarantined around the rows' arrival times, and the nanosecond times points hold there. */
  private async heldQuarantine(
    rows: readonly QuarantineRow[],
  ): Promise<{ stored: Set<string>; occupied: Set<bigint> }> {
    const stored = new Set<string>();
    const occupied = new Set<bigint>();
    if (rows.length === 0) return { stored, occupied };
    let from = Number.POSITIVE_INFINITY;
    let to = Number.NEGATIVE_INFINITY;
    for (const r of rows) {
      from = Math.min(from, r.receivedAt);
      to = Math.max(to, r.receivedAt);
    }
    const series = await this.query(
      `SELECT "event_id" FROM "${QUARANTINE_SERIES.influxMeasurement}" WHERE time >= ${from}ms AND time < ${to + 1}ms`,
    );
    for (const [time, eventId] of series) {
      occupied.add(BigInt(String(time)));
      if (typeof eventId === 'string') stored.add(eventId);
    }
    return { stored, occupied };
  }

  /**
   * Runs one InfluxQL SELECT through /query (epoch=ns) and returns the values of all its series. Throttling and
   * server errors are retried like writes; used up, a retryable SINK_UNAVAILABLE (the batch is tried again later).
   */
  private async query(q: string): Promise<unknown[][]> {
    const where = `InfluxDB ${this.options.url} (db ${this.options.database})`;
    let reauthenticated = false;
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await fetch(this.queryUrl, {
          method: 'POST',
          headers: {
            ...this.headers,
            ...this.credentials.header(),
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: new URLSearchParams({ q }).toString(),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (error) {
        throw new PfmError('SINK_UNAVAILABLE', `${where} unreachable: ${describe(error)}`, {
          retryable: true,
          cause: error,
        });
      }
      const text = await response.text();
      const status = response.status;
      // A rotated token: read it again once, and retry with it (not counted as an attempt), as writes do.
      if ((status === 401 || status === 403) && !reauthenticated && (await this.credentials.refresh())) {
        reauthenticated = true;
        attempt--;
        continue;
      }
      if (status === 429 || (status >= 500 && !CONFIG_SERVER_ERROR.test(text))) {
        if (attempt < this.retry.maxAttempts) {
          await this.backoff.after(attempt);
          continue;
        }
        throw new PfmError(
          'SINK_UNAVAILABLE',
          `${where}: read before write still failing after ${attempt} attempts: HTTP ${status} ${errorText(text)}`,
          { retryable: true },
        );
      }
      let body: { error?: string; results?: { error?: string; series?: { values?: unknown[][] }[] }[] };
      try {
        body = JSON.parse(text) as typeof body;
      } catch {
        body = { error: text.trim().slice(0, 1_000) || `HTTP ${status}` };
      }
      const error = body.error ?? body.results?.[0]?.error;
      if (status !== 200 || error !== undefined) {
        // 1.x answers an unknown database with 200 and the error in the result: name it as the write would.
        const shown = /database not found/i.test(error ?? '') ? 404 : status;
        throw new PfmError(
          'SINK_REJECTED',
          `${where} refused the read before write: HTTP ${shown} ${error ?? (errorText(text) || '')}${hint(shown)}`,
        );
      }
      return (body.results?.[0]?.series ?? []).flatMap((series) => series.values ?? []);
    }
  }

  /**
   * Writes points of another series (the drift monitor's scores) with the same batching, retries and credentials;
   * returns the points refused (by index) with the server's reason.
   */
  async writePoints(points: readonly SeriesPoint[], schema: SeriesSchema): Promise<Refusal[]> {
    const lines: Line[] = [];
    const refusals: Refusal[] = [];
    points.forEach((point, index) => {
      const problem = pointProblem(point, schema) ?? lineProblem(point, schema);
      if (problem === undefined) lines.push({ text: toLine(point, schema), index });
      else refusals.push({ index, reason: problem });
    });
    refusals.push(...(await this.writeAll(lines, this.writeUrl)));
    return refusals;
  }

  private async writeAll(lines: readonly Line[], url: string): Promise<Refusal[]> {
    const batches: Line[][] = [];
    for (let start = 0; start < lines.length; start += this.batchLines) {
      batches.push(lines.slice(start, start + this.batchLines));
    }
    return writeConcurrently(batches, this.concurrency, (batch) => this.writeBatch(batch, url));
  }

  /** Writes a batch; on a partial write, halves it until the refused lines are isolated. */
  private async writeBatch(batch: readonly Line[], url: string): Promise<Refusal[]> {
    const outcome = await this.post(batch.map((l) => l.text).join('\n'), url);
    if (outcome.ok) return [];
    const dropped = /dropped=(\d+)/.exec(outcome.reason);
    if (batch.length === 1 || (dropped !== null && Number(dropped[1]) === batch.length)) {
      return batch.map((l) => ({ index: l.index, reason: outcome.reason }));
    }
    const middle = Math.ceil(batch.length / 2);
    return [
      ...(await this.writeBatch(batch.slice(0, middle), url)),
      ...(await this.writeBatch(batch.slice(middle), url)),
    ];
  }

  /** One request with its retries: ok, or the server's reason for refusing some of its lines. */
  private async post(body: string, url: string): Promise<{ ok: true } | { ok: false; reason: string }> {
    let reauthenticated = false;
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: { ...this.headers, ...this.credentials.header() },
          body,
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (error) {
        throw new PfmError(
          'SINK_UNAVAILABLE',
          `InfluxDB ${this.options.url} unreachable: ${describe(error)}`,
          {
            retryable: true,
            cause: error,
          },
        );
      }
      const status = response.status;
      if (status === 204 || status === 200) {
        await response.body?.cancel();
        return { ok: true };
      }
      const reason = errorText(await response.text()) || `HTTP ${status}`;
      // A rotated token: read it again once, and retry with it (not counted as an attempt).
      if ((status === 401 || status === 403) && !reauthenticated && (await this.credentials.refresh())) {
        reauthenticated = true;
        attempt--;
        continue;
      }
      if ((status === 400 || status === 422) && LINE_LEVEL_ERROR.test(reason)) return { ok: false, reason };
      const where = `InfluxDB ${this.options.url} (db ${this.options.database})`;
      const throttled = status === 429 || status === 503;
      if (throttled || (status >= 500 && !CONFIG_SERVER_ERROR.test(reason))) {
        const retryAfter = throttled
          ? retryAfterMs(response.headers.get('retry-after'), Date.now())
          : undefined;
        if (retryAfter !== undefined && retryAfter > this.maxRetryAfterMs) {
          throw new PfmError(
            'SINK_UNAVAILABLE',
            `${where} asks to retry after ${retryAfter} ms: HTTP ${status} ${reason}`,
            {
              retryable: true,
            },
          );
        }
        if (attempt < this.retry.maxAttempts) {
          await (retryAfter === undefined ? this.backoff.after(attempt) : this.backoff.sleep(retryAfter));
          continue;
        }
        throw new PfmError(
          'SINK_UNAVAILABLE',
          `${where}: still failing after ${attempt} attempts: HTTP ${status} ${reason}`,
          {
            retryable: true,
          },
        );
      }
      throw new PfmError(
        'SINK_REJECTED',
        `${where} refused the write: HTTP ${status} ${reason}${hint(status)}`,
      );
    }
  }
}

/** An InfluxQL string literal: single-quoted, quotes and backslashes escaped. */
function influxString(text: string): string {
  return `'${text.replace(/['\\]/g, '\\$&')}'`;
}

/** Retry-After in ms: delta-seconds or an HTTP date (RFC 9110); undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** The message of an InfluxDB error body: `{"error"}` (1.x, 3.x), `{"message"}` (2.x), or the text itself. */
function errorText(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown; message?: unknown };
    if (typeof parsed.error === 'string') return parsed.error;
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON
  }
  return body.trim().slice(0, 1_000);
}

function hint(status: number): string {
  if (status === 401 || status === 403)
    return ' (check INFLUXDB_TOKEN or INFLUXDB_USERNAME/INFLUXDB_PASSWORD)';
  if (status === 404) return ' (check INFLUXDB_DATABASE; the database must exist)';
  if (status === 413) return ' (lower INFLUXDB_BATCH_LINES)';
  return '';
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
    return `${error.name}: ${error.message}${cause}`;
  }
  return String(error);
}
