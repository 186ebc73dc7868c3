import { PfmError } from '../../kernel/errors.js';
import { fixedCredentials, type InfluxCredentials } from '../sinks/InfluxCredentials.js';
import type { Row } from './queries/rows.js';

/** Values bound to `$name` placeholders (the `params` form field of /query). */
export type InfluxQlParams = Record<string, string | number | boolean>;

/** One series of a statement's result, as the 1.x /query API returns it (epoch=ms). */
export interface InfluxQlSeries {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

export interface InfluxQlClientOptions {
  /** Base URL, e.g. `https://id.timestream-influxdb.eu-west-1.on.aws:8086`. */
  url: string;
  /** Database (InfluxDB 2.x: mapped to the bucket by its DBRP mapping). */
  database: string;
  retentionPolicy?: string;
  credentials?: InfluxCredentials;
  /** Per request; default 10 s. */
  timeoutMs?: number;
}

interface QueryBody {
  error?: string;
  message?: string;
  results?: { statement_id?: number; error?: string; series?: InfluxQlSeries[] }[];
}

/** The rows of a statement's series, each with its series' tags as columns. */
export function seriesRows(series: readonly InfluxQlSeries[]): Row[] {
  const rows: Row[] = [];
  for (const s of series) {
    for (const values of s.values) {
      const row: Row = { ...s.tags };
      s.columns.forEach((column, i) => {
        row[column] = values[i] ?? null;
      });
      rows.push(row);
    }
  }
  return rows;
}

/**
 * InfluxQL over the 1.x-compatible `/query` endpoint that InfluxDB 1.x and 2.x (Timestream for InfluxDB) both
 * serve: statements are fixed templates, and every value a caller supplies travels in `params`, bound by the
 * server to its `$name` placeholder (InfluxDB API reference, "/query 1.x compatibility API": q, db, rp, epoch,
 * params). Several statements go in one request, separated by semicolons, and come back one result each.
 */
export class InfluxQlClient {
  private readonly queryUrl: string;
  private readonly credentials: InfluxCredentials;
  private readonly timeoutMs: number;

  constructor(private readonly options: InfluxQlClientOptions) {
    const base = options.url.endsWith('/') ? options.url : `${options.url}/`;
    this.queryUrl = new URL('query', base).toString();
    this.credentials = options.credentials ?? fixedCredentials({ kind: 'none' });
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** Runs the statements in one request; one list of rows per statement, in order. */
  async rows(statements: readonly string[], params: InfluxQlParams = {}): Promise<Row[][]> {
    const results = await this.query(statements, params);
    return results.map(seriesRows);
  }

  /** Runs the statements in one request; the series of each statement, in order. */
  async query(statements: readonly string[], params: InfluxQlParams = {}): Promise<InfluxQlSeries[][]> {
    const form = new URLSearchParams({ db: this.options.database, epoch: 'ms', q: statements.join(';\n') });
    if (this.options.retentionPolicy !== undefined) form.set('rp', this.options.retentionPolicy);
    if (Object.keys(params).length > 0) form.set('params', JSON.stringify(params));
    let reauthenticated = false;
    for (;;) {
      const response = await this.post(form);
      if ((response.status === 401 || response.status === 403) && !reauthenticated) {
        await response.body?.cancel();
        reauthenticated = true;
        if (await this.credentials.refresh()) continue;
        throw this.refused(response.status, 'unauthorized');
      }
      const text = await response.text();
      const body = parse(text);
      if (!response.ok) {
        const reason =
          body?.error ?? body?.message ?? (text.trim().slice(0, 500) || `HTTP ${response.status}`);
        throw this.refused(response.status, reason);
      }
      const results = body?.results ?? [];
      return statements.map((statement, i) => {
        const result = results.find((r) => (r.statement_id ?? 0) === i);
        if (result?.error !== undefined) {
          throw new PfmError(
            'STORE_QUERY_FAILED',
            `InfluxDB ${this.options.url} (db ${this.options.database}) refused the query: ${result.error} (in: ${statement})`,
          );
        }
        return result?.series ?? [];
      });
    }
  }

  private async post(form: URLSearchParams): Promise<Response> {
    try {
      return await fetch(this.queryUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          ...this.credentials.header(),
        },
        body: form.toString(),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new PfmError(
        'STORE_QUERY_FAILED',
        `InfluxDB ${this.options.url} did not answer (${error instanceof Error ? error.message : String(error)}); try again shortly`,
        { retryable: true, cause: error },
      );
    }
  }

  private refused(status: number, reason: string): PfmError {
    const where = `InfluxDB ${this.options.url} (db ${this.options.database})`;
    if (status === 429 || status >= 500) {
      return new PfmError('STORE_QUERY_FAILED', `${where} is unavailable: HTTP ${status} ${reason}`, {
        retryable: true,
      });
    }
    const hint =
      status === 401 || status === 403
        ? ': the token may not read this bucket (INFLUXDB_TOKEN_SECRET_ARN)'
        : status === 404
          ? ': no bucket is mapped to this database (DBRP mapping)'
          : '';
    return new PfmError('STORE_QUERY_FAILED', `${where} refused the query: HTTP ${status} ${reason}${hint}`);
  }
}

function parse(text: string): QueryBody | undefined {
  try {
    return JSON.parse(text) as QueryBody;
  } catch {
    return undefined;
  }
}
