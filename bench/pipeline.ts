import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatNumber } from '../app/cli/format.js';
import { INFERENCE_EVENT_SOURCE } from '../app/pipeline/eventSourceSettings.js';
import { openInferenceStack } from '../app/pipeline/inferenceStack.js';
import { encodeReading } from '../schemas/codec/readingCodec.js';
import { createKinesisClient, ensureStream } from '../stream/kinesis/client.js';
import { KinesisLocal } from '../stream/kinesis/KinesisLocal.js';
import { KinesisWriter } from '../stream/kinesis/KinesisWriter.js';
import { EventSourceRunner } from '../stream/runner/EventSourceRunner.js';
import { FileCheckpointStore } from '../stream/runner/FileCheckpointStore.js';
import { FileDeadLetter } from '../stream/runner/FileDeadLetter.js';
import { createSimulator } from '../stream/simulator/Simulator.js';
import { measureRawReadRate } from './kinesis.js';

const RECORDS = 20_000;
const SHARDS = 4;

/**
 * The local pipeline's consuming side (runner, inference handler, DuckDB store) against kinesis-local's own raw
 * GetRecords rate, both reading the same pre-filled stream from TRIM_HORIZON in one run.
 */
export async function benchPipeline(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pfm-bench-'));
  const local = await KinesisLocal.start();
  const client = createKinesisClient({ endpoint: local.endpoint });
  try {
    const streamName = `bench-pipeline-${Date.now()}`;
    await ensureStream(client, streamName, SHARDS);
    const simulator = createSimulator({
      machines: 50,
      seed: 3,
      startTime: Date.now() - 3_600_000,
      intervalMs: 100,
    });
    const entries = simulator
      .take(RECORDS)
      .map(({ reading }) => ({ data: encodeReading(reading), partitionKey: reading.deviceId }));
    const written = await new KinesisWriter({ client, streamName, concurrency: 2 }).write(entries);
    if (written.written !== RECORDS)
      throw new Error(`only ${written.written} of ${RECORDS} records were written`);

    // The engine reads faster once warm, so the baseline gets the better of a read before and after the pipeline.
    const rawBefore = await measureRawReadRate(client, streamName);

    let accounted = 0;
    const stack = await openInferenceStack({
      dataDir,
      onOutcome: (o) => {
        accounted += o.predictions.length + o.quarantined.length;
      },
    });
    const runner = new EventSourceRunner({
      client,
      streamName,
      handler: stack.handler,
      batchSize: 10_000,
      batchingWindowMs: 0,
      pollIntervalMs: 20,
      ...INFERENCE_EVENT_SOURCE,
      startingPosition: 'TRIM_HORIZON',
      checkpointStore: new FileCheckpointStore(join(dataDir, 'checkpoints.json')),
      deadLetter: new FileDeadLetter(join(dataDir, 'dead-letter.jsonl')),
    });
    const started = performance.now();
    await runner.start();
    while (accounted < RECORDS) await new Promise((r) => setTimeout(r, 2));
    const seconds = (performance.now() - started) / 1000;
    await runner.stop();
    const counts = await stack.store.fleetQueries.counts();
    await stack.close();
    if (counts.predictions !== RECORDS)
      throw new Error(`store holds ${counts.predictions} of ${RECORDS} predictions`);
    const rawAfter = await measureRawReadRate(client, streamName);
    const raw = rawAfter.recordsPerSecond > rawBefore.recordsPerSecond ? rawAfter : rawBefore;

    const pipelineRate = RECORDS / seconds;
    console.log(
      `local pipeline vs raw reads, ${formatNumber(RECORDS)} records on ${SHARDS} kinesis-local shards:`,
    );
    console.log(
      `  raw GetRecords (best of 2)             ${raw.seconds.toFixed(2).padStart(6)} s  ${formatNumber(Math.round(raw.recordsPerSecond)).padStart(8)} records/s`,
    );
    console.log(
      `  runner + inference + DuckDB store     ${seconds.toFixed(2).padStart(6)} s  ${formatNumber(Math.round(pipelineRate)).padStart(8)} records/s`,
    );
    console.log(
      `  ratio pipeline / raw read             ${(pipelineRate / raw.recordsPerSecond).toFixed(2)}   (target >= 0.8)`,
    );
  } finally {
    client.destroy();
    await local.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
