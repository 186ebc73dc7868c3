import { type Backoff, createBackoff, type RetryHooks } from '../../kernel/backoff.js';
import { PfmError } from '../../kernel/errors.js';
import type { PredictionRow, PredictionSink, QuarantineRow, QuarantineSink } from '../inference/types.js';
import {
  PREDICTION_SERIES,
  QUARANTINE_SERIES,
  type SeriesSchema,
  SINK_DEFAULTS,
  SINK_QUARANTINE_CODES,
} from './constants.js';
import { fixedCredentials, type InfluxCredentials } from './InfluxCredentials.js';
import { lineProblem, toLine } from './lineProtocol.js';
import { type Refusal, throwIfQuarantineRefused, writeConcurrently } from './refusals.js';
import { sinkRetrySettings } from './retrySettings.js';
import {
  pointProblem,
  predictionPoint,
  quarantinePoint,
  refusedPrediction,
  type SeriesPoint,
} from './seriesPoints.js';
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
  now?: () => number;
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

/**
 * InfluxDB behind the sink ports, through the v1 `/write` endpoint (db, rp, precision=ms) that InfluxDB 1.x, 2.x and
 * 3.x (and Timestream for InfluxDB) all accept. Predictions are points of measurement `prediction` tagged like the
 * Timestream dimensions; quarantined records are points of measurement `quarantine` in the same database.
 *
 * A point's identity is (measurement, tags, time): a redelivered batch rewrites the same points with the same values,
 * so it adds nothing. InfluxDB has no record version: the last write of a point wins, so a re-score by a newer model
 * overwrites, and so would a replay by an older one.
 *
 * Retries: 429/503 wait as the server's Retry-After says (full-jitter backoff without it), other 5xx back off; used
 * up, they throw a retryable PfmError('SINK_UNAVAILABLE'). A partial write (HTTP 400 "partial write", a field type
 * conflict, a line that does not parse) is narrowed down by halving the batch until the refused lines are found;
 * those come back as quarantine rows with the server's reason. Rewriting lines that were already accepted is safe
 * (same point, same values). Authentication, unknown database and other request errors are non-retryable.
 */
export class InfluxDbSink implements PredictionSink, QuarantineSink {
  private readonly writeUrl: string;
  private readonly headers: Record<string, string>;
  private readonly credentials: InfluxCredentials;
  private readonly batchLines: number;
  private readonly concurrency: number;
  private readonly timeoutMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly retry: RetrySettings;
  private readonly backoff: Backoff;
  private readonly now: () => number;

  constructor(private readonly options: InfluxDbSinkOptions) {
    const base = options.url.endsWith('/') ? options.url : `${options.url}/`;
    const url = new URL('write', base);
    url.searchParams.set('db', options.database);
    if (options.retentionPolicy !== undefined) url.searchParams.set('rp', options.retentionPolicy);
    url.searchParams.set('precision', 'ms');
    this.writeUrl = url.toString();
    this.headers = { 'content-type': 'text/plain; charset=utf-8' };
    this.credentials = options.credentials ?? fixedCredentials(options.auth ?? { kind: 'none' });
    this.batchLines = options.batchLines ?? SINK_DEFAULTS.influxBatchLines;
    this.concurrency = options.concurrency ?? SINK_DEFAULTS.concurrency;
    this.timeoutMs = options.timeoutMs ?? SINK_DEFAULTS.influxTimeoutMs;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? SINK_DEFAULTS.influxMaxRetryAfterMs;
    this.retry = sinkRetrySettings(options.retry);
    this.backoff = createBackoff(this.retry, options);
    this.now = options.now ?? Date.now;
  }

  /** Writes the predictions; returns those refused (before sending, or by the server) as quarantine rows. */
  async writePredictions(rows: readonly PredictionRow[]): Promise<{ rejected: QuarantineRow[] }> {
    const now = this.now();
    const rejected: QuarantineRow[] = [];
    const lines: Line[] = [];
    rows.forEach((row, index) => {
      const point = predictionPoint(row);
      const problem = pointProblem(point, PREDICTION_SERIES) ?? lineProblem(point, PREDICTION_SERIES);
      if (problem === undefined) lines.push({ text: toLine(point, PREDICTION_SERIES), index });
      else rejected.push(refusedPrediction(row, SINK_QUARANTINE_CODES.invalidRecord, problem, now));
    });
    for (const r of await this.writeAll(lines)) {
      rejected.push(
        refusedPrediction(
          rows[r.index] as PredictionRow,
          SINK_QUARANTINE_CODES.influxRejected,
          r.reason,
          now,
        ),
      );
    }
    return { rejected };
  }

  /** Writes quarantined rows to measurement `quarantine`; a row the server refuses there fails the call. */
  async quarantine(rows: readonly QuarantineRow[]): Promise<void> {
    const budget = {
      reasonMaxBytes: QUARANTINE_REASON_MAX_BYTES,
      rawBase64MaxChars: QUARANTINE_RAW_BASE64_MAX_CHARS,
    };
    const lines: Line[] = [];
    const refusals: Refusal[] = [];
    rows.forEach((row, index) => {
      const point = quarantinePoint(row, budget);
      const problem = lineProblem(point, QUARANTINE_SERIES);
      if (problem === undefined) lines.push({ text: toLine(point, QUARANTINE_SERIES), index });
      else refusals.push({ index, reason: problem });
    });
    refusals.push(...(await this.writeAll(lines)));
    throwIfQuarantineRefused(refusals, rows, {
      store: 'InfluxDB',
      unit: 'point',
      place: this.options.database,
    });
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
    refusals.push(...(await this.writeAll(lines)));
    return refusals;
  }

  private async writeAll(lines: readonly Line[]): Promise<Refusal[]> {
    const batches: Line[][] = [];
    for (let start = 0; start < lines.length; start += this.batchLines) {
      batches.push(lines.slice(start, start + this.batchLines));
    }
    return writeConcurrently(batches, this.concurrency, (batch) => this.writeBatch(batch));
  }

  /** Writes a batch; on a partial write, halves it until the refused lines are isolated. */
  private async writeBatch(batch: readonly Line[]): Promise<Refusal[]> {
    const outcome = await this.post(batch.map((l) => l.text).join('\n'));
    if (outcome.ok) return [];
    const dropped = /dropped=(\d+)/.exec(outcome.reason);
    if (batch.length === 1 || (dropped !== null && Number(dropped[1]) === batch.length)) {
      return batch.map((l) => ({ index: l.index, reason: outcome.reason }));
    }
    const middle = Math.ceil(batch.length / 2);
    return [
      ...(await this.writeBatch(batch.slice(0, middle))),
      ...(await this.writeBatch(batch.slice(middle))),
    ];
  }

  /** One request with its retries: ok, or the server's reason for refusing some of its lines. */
  private async post(body: string): Promise<{ ok: true } | { ok: false; reason: string }> {
    let reauthenticated = false;
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await fetch(this.writeUrl, {
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
