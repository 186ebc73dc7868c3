import type { KinesisStreamEvent } from 'aws-lambda';
import { formatNumber } from '../app/cli/format.js';
import { loadModelArtifacts } from '../model/artifacts.js';
import { OnnxScorer } from '../model/OnnxScorer.js';
import { createInferenceCore } from '../processors/inference/core.js';
import { createHandler } from '../processors/inference/handler.js';
import type { PredictionSink, QuarantineSink } from '../processors/inference/types.js';
import { decodeReading, encodeReading } from '../schemas/codec/readingCodec.js';
import { toKinesisStreamRecord } from '../stream/runner/kinesisEvent.js';
import { createSimulator } from '../stream/simulator/Simulator.js';

const RECORDS = 10_000;
const ROUNDS = 5;

/** A sink that only counts, so the benchmark measures the handler, not a database. */
class CountingSink implements PredictionSink, QuarantineSink {
  predictions = 0;
  quarantined = 0;
  async writePredictions(rows: readonly unknown[]) {
    this.predictions += rows.length;
    return { rejected: [] };
  }
  async quarantine(rows: readonly unknown[]) {
    this.quarantined += rows.length;
  }
}

function buildEvent(): KinesisStreamEvent {
  const simulator = createSimulator({
    machines: 50,
    seed: 1,
    startTime: Date.now() - 3_600_000,
    intervalMs: 10,
  });
  const streamArn = 'arn:aws:kinesis:us-east-1:000000000000:stream/bench';
  return {
    Records: simulator.take(RECORDS).map(({ reading }, i) =>
      toKinesisStreamRecord(
        {
          Data: encodeReading(reading),
          PartitionKey: reading.deviceId,
          SequenceNumber: String(10n ** 20n + BigInt(i)),
          ApproximateArrivalTimestamp: new Date(),
        },
        {
          shardId: 'shardId-000000000000',
          streamArn,
          awsRegion: 'us-east-1',
          invokeIdentityArn: 'arn:aws:iam::000000000000:role/bench',
        },
      ),
    ),
  };
}

async function timeRounds(run: () => Promise<unknown>): Promise<number> {
  await run(); // warm-up: JIT and the session's first allocations
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    await run();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/**
 * The inference handler in-process on a 10,000-record KinesisStreamEvent (base64, Avro decode, validation,
 * features, one run, rows) against the same path record by record (one decode and one run per record).
 */
export async function benchInference(): Promise<void> {
  const artifacts = await loadModelArtifacts();
  const scorer = await OnnxScorer.create(artifacts);
  const core = createInferenceCore({ decode: decodeReading, scorer, model: artifacts, now: Date.now });
  const sink = new CountingSink();
  const batched = createHandler({ core, sink, quarantine: sink });
  const event = buildEvent();

  // Record by record: the same handler fed one-record events, as a per-record processor would run.
  const single = event.Records.map((r) => ({ Records: [r] }));
  const perRecord = async () => {
    for (const e of single) await batched(e);
  };

  const batchedMs = await timeRounds(() => batched(event));
  const perRecordMs = await timeRounds(perRecord);
  const batchedRate = (RECORDS / batchedMs) * 1000;
  const perRecordRate = (RECORDS / perRecordMs) * 1000;
  console.log(
    `inference handler, ${formatNumber(RECORDS)}-record KinesisStreamEvent, one core, best of ${ROUNDS}:`,
  );
  console.log(
    `  batched (one session.run)   ${batchedMs.toFixed(1).padStart(8)} ms  ${formatNumber(Math.round(batchedRate)).padStart(10)} records/s`,
  );
  console.log(
    `  record by record            ${perRecordMs.toFixed(1).padStart(8)} ms  ${formatNumber(Math.round(perRecordRate)).padStart(10)} records/s`,
  );
  console.log(
    `  ratio batched / per-record  ${(batchedRate / perRecordRate).toFixed(1)}x   (targets: >= 500,000/s and >= 8x)`,
  );
  if (sink.quarantined !== 0) throw new Error(`benchmark input had ${sink.quarantined} quarantined records`);
  await scorer.release();
}
