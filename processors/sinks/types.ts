import type { PredictionSink, QuarantineSink } from '../inference/types.js';

/** The prediction sinks a processor can be configured with. */
export const SINK_KINDS = ['duckdb', 'timestream', 'influxdb'] as const;
export type SinkKind = (typeof SINK_KINDS)[number];

/** How a remote sink retries throttling and server errors: full-jitter exponential backoff. */
export interface RetrySettings {
  /** Attempts per request, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export type InfluxAuth =
  | { kind: 'none' }
  | { kind: 'token'; token: string }
  /** The token is read from Secrets Manager at start-up (how the CDK stack passes it). */
  | { kind: 'tokenSecret'; secretId: string }
  | { kind: 'password'; username: string; password: string };

/** Credentials as the InfluxDB sink sends them, once a secret reference has been read. */
export type ResolvedInfluxAuth = Exclude<InfluxAuth, { kind: 'tokenSecret' }>;

/** The validated sink settings, one variant per kind. */
export type SinkSettings =
  | { kind: 'duckdb'; dataDir: string }
  | {
      kind: 'timestream';
      database: string;
      table: string;
      quarantineTable: string;
      concurrency: number;
      retry: RetrySettings;
    }
  | {
      kind: 'influxdb';
      url: string;
      database: string;
      retentionPolicy: string | undefined;
      auth: InfluxAuth;
      batchLines: number;
      concurrency: number;
      timeoutMs: number;
      retry: RetrySettings;
    };

/** What createSinks gives the handler: both ports and a way to release connections. */
export interface Sinks {
  sink: PredictionSink;
  quarantine: QuarantineSink;
  close(): Promise<void>;
}
