import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { replayCommand } from '../../app/cli/replay.js';
import { INFERENCE_EVENT_SOURCE } from '../../app/pipeline/eventSourceSettings.js';
import { poisonRecord } from '../../app/pipeline/poison.js';
import { RUN_FILES } from '../../app/pipeline/runFiles.js';
import { resolveStackConfig, STREAM_RETRY_DEFAULTS } from '../../infra/config.js';
import { loadModelArtifacts } from '../../model/artifacts.js';
import { OnnxScorer } from '../../model/OnnxScorer.js';
import { readInferenceConfig } from '../../processors/config.js';
import { createInferenceCore } from '../../processors/inference/core.js';
import { createHandler, WRITE_RETRY_DEFAULTS } from '../../processors/inference/handler.js';
import { createSinks } from '../../processors/sinks/createSinks.js';
import { decodeReading, encodeReading } from '../../schemas/codec/readingCodec.js';
import { KinesisWriter } from '../../stream/kinesis/KinesisWriter.js';
import { EventSourceRunner } from '../../stream/runner/EventSourceRunner.js';
import { FileCheckpointStore } from '../../stream/runner/FileCheckpointStore.js';
import { FileDeadLetter } from '../../stream/runner/FileDeadLetter.js';
import { makeReading } from '../fixtures/codec/readings.js';
import { useInfluxServer } from '../helpers/influxServer.js';
import { useKinesisLocal } from '../helpers/kinesisLocal.js';

const kinesis = useKinesisLocal();
const influx = useInfluxServer();
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** How long the store refuses connections (issue 14: "the store refuses for 30 s"). */
const OUTAGE_MS = 30_000;
const BEFORE = 300;
const DURING = 300;
const POISON = 6;

/** `count` readings of 6 machines, one a second from `first` on, then `poison` poison records. */
function entries(first: number, count: number, poison: number) {
  const base = Date.UTC(2026, 0, 1);
  return Array.from({ length: count + poison }, (_, k) => {
    const i = first + k;
    const reading = makeReading({
      deviceId: `M-${i % 6}`,
      timestamp: base + i * 1000,
      sequenceNumber: i + 1,
    });
    return {
      data: k >= count ? poisonRecord(reading, 'truncated') : encodeReading(reading),
      partitionKey: reading.deviceId,
    };
  });
}

/**
 * One inference consumer as the stack deploys it: the Lambda handler with the InfluxDB sink from the function's
 * own configuration, fed by the event-source runner. `timeoutMs` stands in for the function timeout (what the
 * handler's context says remains), `retryAttempts` for the mapping's MaximumRetryAttempts.
 */
async function startConsumer(opts: {
  name: string;
  streamName: string;
  database: string;
  timeoutMs: number;
  retryAttempts: number;
}) {
  const dir = mkdtempSync(join(tmpdir(), `pfm-outage-${opts.name}-`));
  dirs.push(dir);
  const config = readInferenceConfig({
    PFM_SINK: 'influxdb',
    INFLUXDB_URL: influx.server.url,
    INFLUXDB_DATABASE: opts.database,
  });
  const artifacts = await loadModelArtifacts();
  const scorer = await OnnxScorer.create(artifacts);
  const sinks = await createSinks(config);
  const state = {
    dir,
    deadLetterPath: join(dir, RUN_FILES.deadLetter),
    /** Times each record's prediction or quarantine row was accepted by the store, by event id (counts, not keys). */
    stored: new Map<string, number>(),
    scored: 0,
    quarantined: 0,
    deadLettered: 0,
    givenUp: 0,
    redelivered: 0,
    /** When the store first accepted a batch written during the outage. */
    firstStoredAfterOutage: undefined as number | undefined,
    outageStartedAt: Number.POSITIVE_INFINITY,
  };
  const handle = createHandler({
    core: createInferenceCore({ decode: decodeReading, scorer, model: artifacts, now: Date.now }),
    sink: sinks.sink,
    quarantine: sinks.quarantine,
    writeRetry: WRITE_RETRY_DEFAULTS,
    onWriteGivenUp: () => {
      state.givenUp++;
    },
    onOutcome: (o) => {
      for (const row of [...o.predictions, ...o.quarantined]) {
        state.stored.set(row.source.eventId, (state.stored.get(row.source.eventId) ?? 0) + 1);
      }
      state.scored += o.predictions.length;
      state.quarantined += o.quarantined.length;
      if (Date.now() > state.outageStartedAt) state.firstStoredAfterOutage ??= Date.now();
    },
  });
  const runner = new EventSourceRunner({
    client: kinesis.client,
    streamName: opts.streamName,
    handler: (event) => handle(event, { getRemainingTimeInMillis: () => opts.timeoutMs }),
    batchSize: 50,
    // The stack's mapping (bisect, partial batch responses, record age), with this test's retry budget.
    ...INFERENCE_EVENT_SOURCE,
    maxRetryAttempts: opts.retryAttempts,
    pollIntervalMs: 50,
    startingPosition: 'TRIM_HORIZON',
    checkpointStore: new FileCheckpointStore(join(dir, RUN_FILES.checkpoints)),
    deadLetter: new FileDeadLetter(join(dir, RUN_FILES.deadLetter)),
    onBatch: (b) => {
      state.deadLettered += b.deadLettered;
      if (b.attempt > 1) state.redelivered++;
    },
  });
  await runner.start();
  return {
    state,
    async stop() {
      await runner.stop();
      await sinks.close();
      await scorer.release();
    },
  };
}

async function storedRows(database: string) {
  const count = async (q: string) => {
    const [series] = await influx.server.query(q, database);
    return Number(series?.values[0]?.[1] ?? 0);
  };
  return {
    predictions: await count('SELECT count(p_any) FROM prediction'),
    distinctReadings: await count('SELECT count(distinct(event_id)) FROM prediction'),
    // A quarantine row's time is when it was turned away: a duplicate would be a second point, so this counts puts.
    quarantined: await count('SELECT count(sequence_number) FROM quarantine'),
  };
}

describe('store outage on real processes (kinesis-local, influxd)', () => {
  it('influxd refuses connections for 30 s: nothing lost, nothing duplicated; a batch that reached the failure destination is replayed by pfm replay', {
    timeout: 180_000,
  }, async () => {
    const { streamName } = await kinesis.freshStream(2);
    const writer = new KinesisWriter({ client: kinesis.client, streamName });
    const shippedDb = await influx.freshDatabase();
    const shortDb = await influx.freshDatabase();
    // As deployed: the template's function timeout and the mapping's retry budget.
    const shipped = await startConsumer({
      name: 'shipped',
      streamName,
      database: shippedDb,
      timeoutMs: resolveStackConfig().inference.timeoutSeconds * 1000,
      retryAttempts: STREAM_RETRY_DEFAULTS.retryAttempts,
    });
    // A budget far shorter than the outage (8 s invocations, one retry), so batches do reach the failure destination.
    const short = await startConsumer({
      name: 'short',
      streamName,
      database: shortDb,
      timeoutMs: 8_000,
      retryAttempts: 1,
    });
    try {
      expect((await writer.write(entries(0, BEFORE, 0))).written).toBe(BEFORE);
      await vi.waitFor(() => expect([shipped.state.scored, short.state.scored]).toEqual([BEFORE, BEFORE]), {
        timeout: 30_000,
        interval: 100,
      });

      await influx.server.halt();
      const outageStartedAt = Date.now();
      shipped.state.outageStartedAt = outageStartedAt;
      short.state.outageStartedAt = outageStartedAt;
      expect((await writer.write(entries(BEFORE, DURING, POISON))).written).toBe(DURING + POISON);
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS - (Date.now() - outageStartedAt)));
      const restartedAt = Date.now();
      await influx.server.restart();

      const total = BEFORE + DURING + POISON;
      await vi.waitFor(
        () => {
          expect(shipped.state.scored + shipped.state.quarantined).toBe(total);
          expect(short.state.scored + short.state.quarantined + short.state.deadLettered).toBe(total);
        },
        { timeout: 60_000, interval: 200 },
      );
      // The store did refuse: nothing written during the outage was stored before it came back.
      expect(shipped.state.firstStoredAfterOutage).toBeGreaterThanOrEqual(restartedAt);
      expect(short.state.givenUp).toBeGreaterThan(0);

      // As shipped, each invocation rides the outage out: no batch redelivered, nothing dead-lettered.
      expect(shipped.state).toMatchObject({
        scored: BEFORE + DURING,
        quarantined: POISON,
        deadLettered: 0,
        givenUp: 0,
        redelivered: 0,
      });
      expect([...shipped.state.stored.values()].every((n) => n === 1)).toBe(true);
      expect(shipped.state.stored.size).toBe(total);
      expect(await storedRows(shippedDb)).toEqual({
        predictions: BEFORE + DURING,
        distinctReadings: BEFORE + DURING,
        quarantined: POISON,
      });

      // The short budget gave batches up to its failure destination (the dead-letter file)...
      expect(short.state.deadLettered).toBeGreaterThan(0);
      expect([...short.state.stored.values()].every((n) => n === 1)).toBe(true);
      await shipped.stop();
      await short.stop();

      // ...and pfm replay re-reads them from the stream into the store.
      vi.stubEnv('PFM_SINK', 'influxdb');
      vi.stubEnv('INFLUXDB_URL', influx.server.url);
      vi.stubEnv('INFLUXDB_DATABASE', shortDb);
      const out: string[] = [];
      vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
      vi.spyOn(console, 'error').mockImplementation(() => undefined);
      const code = await replayCommand([
        '--dead-letter',
        short.state.deadLetterPath,
        '--endpoint',
        kinesis.endpoint,
        '--data',
        short.state.dir,
      ]);
      vi.restoreAllMocks();
      vi.unstubAllEnvs();
      expect(code).toBe(0);
      const summary =
        /: (\d+) replayed \((\d+) scored, (\d+) quarantined\), 0 no longer on the stream, 0 still failing/.exec(
          out.at(-1) ?? '',
        );
      expect(summary, out.join('\n')).not.toBeNull();
      const [replayed, scored, quarantined] = (summary ?? []).slice(1).map(Number);
      expect(replayed).toBe(short.state.deadLettered);
      // Counted puts add up exactly: the replay stored only what the consumer had not (a re-scored batch would overshoot).
      expect(short.state.scored + (scored ?? 0)).toBe(BEFORE + DURING);
      expect(short.state.quarantined + (quarantined ?? 0)).toBe(POISON);
      expect(await storedRows(shortDb)).toEqual({
        predictions: BEFORE + DURING,
        distinctReadings: BEFORE + DURING,
        quarantined: POISON,
      });
    } finally {
      await shipped.stop().catch(() => undefined);
      await short.stop().catch(() => undefined);
    }
  });
});
