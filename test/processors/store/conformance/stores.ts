import { createHash } from 'node:crypto';
import {
  FAILURE_MODES,
  type PredictionSink,
  type QuarantineSink,
} from '../../../../processors/inference/types.js';
import { InfluxDbSink } from '../../../../processors/sinks/InfluxDbSink.js';
import { restoreLineBreaks } from '../../../../processors/sinks/lineProtocol.js';
import { TimestreamSink } from '../../../../processors/sinks/TimestreamSink.js';
import { InfluxDbPeriodQueries } from '../../../../processors/store/InfluxDbPeriodQueries.js';
import { InfluxQlClient } from '../../../../processors/store/InfluxQlClient.js';
import { openDuckDbStore } from '../../../../processors/store/openDuckDbStore.js';
import { createTimestreamQueryClient } from '../../../../processors/store/queries/timestreamQueryClient.js';
import { TimestreamQueries } from '../../../../processors/store/TimestreamQueries.js';
import type { PeriodQueries } from '../../../../processors/store/types.js';
import type { InfluxServerFixture } from '../../../helpers/influxServer.js';
import type { StoredRecord, TimestreamStandIn } from '../../../helpers/timestreamStandIn.js';
import type { TimestreamQueryStandIn } from '../../agent/timestreamQueryStandIn.js';
import { standInClient } from '../../sinks/rows.js';

/** A stored prediction read back, in one shape whatever the store. */
export interface PredictionView {
  deviceId: string;
  time: number;
  qualityType: string;
  firmware: string;
  modelName: string;
  modelVersion: string;
  modelSequence: number;
  readingSequence: number;
  readingDigest: string;
  probabilities: number[];
  risk: number;
  failure: boolean;
  /** `|`-joined; '' when none (Timestream's 'none' read as ''). */
  predictedModes: string;
  readings: number[];
  eventId: string;
}

/** A quarantined record read back. */
export interface QuarantineView {
  eventId: string;
  time: number;
  stage: string;
  code: string;
  deviceId: string | null;
  reason: string;
  rawBytes: number;
  rawSha256: string;
}

/** One store as the conformance cases use it: its sink ports, what it holds read back, its agent queries. */
export interface StoreUnderTest {
  readonly name: 'duckdb' | 'timestream' | 'influxdb';
  readonly sink: PredictionSink;
  readonly quarantine: QuarantineSink;
  predictions(): Promise<PredictionView[]>;
  quarantined(): Promise<QuarantineView[]>;
  /** The agent's period queries over what the sink wrote; undefined where no adapter exists yet. */
  periodQueries(): Promise<PeriodQueries | undefined>;
  close(): Promise<void>;
}

const MODES = FAILURE_MODES.map((m) => `p_${m.toLowerCase()}`);
const READINGS = [
  'air_temperature_k',
  'process_temperature_k',
  'rotational_speed_rpm',
  'torque_nm',
  'tool_wear_min',
];

function num(v: unknown): number {
  return typeof v === 'number' ? v : Number(v);
}

/** A prediction row of any store (columns named as in the DuckDB table) in the common shape. */
function predictionView(r: Record<string, unknown>): PredictionView {
  const modes = String(r.predicted_modes ?? '');
  return {
    deviceId: String(r.device_id),
    time: num(r.time),
    qualityType: String(r.quality_type),
    firmware: String(r.firmware),
    modelName: String(r.model_name),
    modelVersion: String(r.model_version),
    modelSequence: num(r.model_sequence),
    readingSequence: num(r.reading_sequence),
    readingDigest: String(r.reading_digest),
    probabilities: MODES.map((c) => num(r[c])),
    risk: num(r.p_any),
    failure: r.failure === true || r.failure === 'true',
    predictedModes: modes === 'none' ? '' : modes,
    readings: READINGS.map((c) => num(r[c])),
    eventId: String(r.event_id),
  };
}

function quarantineView(r: Record<string, unknown>, rawSha256: string, rawBytes: number): QuarantineView {
  const device = r.device_id;
  return {
    eventId: String(r.event_id),
    time: num(r.time),
    stage: String(r.stage),
    code: String(r.code),
    deviceId: device === null || device === undefined || device === '' ? null : String(device),
    reason: String(r.reason),
    rawBytes,
    rawSha256,
  };
}

const byIdentity = (a: PredictionView, b: PredictionView) =>
  a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : a.time - b.time;
const byEvent = (a: QuarantineView, b: QuarantineView) =>
  a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;

/** The embedded DuckDB store, in memory. */
export async function duckDbStore(): Promise<StoreUnderTest> {
  const store = await openDuckDbStore(':memory:');
  return {
    name: 'duckdb',
    sink: store.predictionSink,
    quarantine: store.quarantineSink,
    async predictions() {
      const rows = await store.database.query(
        'SELECT * EXCLUDE (time), epoch_ms(time) AS time FROM predictions',
      );
      return rows.map(predictionView).sort(byIdentity);
    },
    async quarantined() {
      const rows = await store.database.query(
        'SELECT *, epoch_ms(received_at) AS time, sha256(raw) AS sha, octet_length(raw) AS n FROM quarantine',
      );
      return rows.map((r) => quarantineView(r, String(r.sha), num(r.n))).sort(byEvent);
    },
    async periodQueries() {
      return store.periodQueries;
    },
    close: () => store.close(),
  };
}

/** Timestream: the unmodified SDK client against the Write stand-in; the agent's reads through the Query stand-in. */
export function timestreamStore(
  write: TimestreamStandIn,
  query: TimestreamQueryStandIn,
  database: string,
): StoreUnderTest {
  const client = standInClient(write.endpoint);
  const sink = new TimestreamSink({ client, database, sleep: async () => undefined });
  const typed = (r: StoredRecord): Record<string, unknown> => {
    const out: Record<string, unknown> = { ...r.dimensions, time: r.time };
    for (const [name, m] of Object.entries(r.measures)) {
      out[name] =
        m.type === 'DOUBLE' || m.type === 'BIGINT'
          ? Number(m.value)
          : m.type === 'BOOLEAN'
            ? m.value === 'true'
            : m.value;
    }
    return out;
  };
  const queryClient = createTimestreamQueryClient({
    endpoint: query.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDSTANDIN', secretAccessKey: 'stand-in' },
  });
  return {
    name: 'timestream',
    sink,
    quarantine: sink,
    async predictions() {
      return write
        .records(database, 'predictions')
        .filter((r) => r.measureName === 'prediction')
        .map((r) => predictionView(typed(r)))
        .sort(byIdentity);
    },
    async quarantined() {
      return write
        .records(database, 'quarantine')
        .map((r) => {
          const t = typed(r);
          // Timestream keeps a 2 KB record: the full payload's size and hash are measures of their own.
          return quarantineView(t, String(t.raw_sha256), num(t.raw_bytes));
        })
        .sort(byEvent);
    },
    async periodQueries() {
      await query.loadWritten({
        predictions: write.records(database, 'predictions'),
        quarantine: write.records(database, 'quarantine'),
      });
      return new TimestreamQueries({ client: queryClient, database });
    },
    async close() {
      client.destroy();
      queryClient.destroy();
    },
  };
}

/** A real influxd (test/helpers/influxServer.ts), one fresh database per store. */
export async function influxDbStore(influx: InfluxServerFixture): Promise<StoreUnderTest> {
  const database = await influx.freshDatabase();
  const sink = new InfluxDbSink({ url: influx.server.url, database, sleep: async () => undefined });
  const rows = async (measurement: string): Promise<Record<string, unknown>[]> =>
    (await influx.server.query(`SELECT * FROM "${measurement}"`, database)).flatMap((s) =>
      s.values.map((v) =>
        Object.fromEntries(
          s.columns.map((c, i) => [c, typeof v[i] === 'string' ? restoreLineBreaks(v[i] as string) : v[i]]),
        ),
      ),
    );
  return {
    name: 'influxdb',
    sink,
    quarantine: sink,
    async predictions() {
      return (await rows('prediction')).map(predictionView).sort(byIdentity);
    },
    async quarantined() {
      return (await rows('quarantine'))
        .map((r) => quarantineView(r, String(r.raw_sha256), num(r.raw_bytes)))
        .sort(byEvent);
    },
    // The agent's reads as the deployed agent makes them: InfluxQL through the store's period-queries adapter.
    async periodQueries() {
      return new InfluxDbPeriodQueries(new InfluxQlClient({ url: influx.server.url, database }));
    },
    async close() {},
  };
}

/** sha256 hex of bytes, as every store's quarantine keeps it. */
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
