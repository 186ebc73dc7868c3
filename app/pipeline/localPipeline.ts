import type { DriftMonitor } from '../../processors/drift/DriftMonitor.js';
import { KinesisWriter } from '../../stream/kinesis/KinesisWriter.js';
import { createSimulator } from '../../stream/simulator/Simulator.js';
import { awaitDrain } from './awaitDrain.js';
import { type DriftConsumer, startDriftConsumer } from './driftConsumer.js';
import { startInferenceConsumer } from './inferenceConsumer.js';
import { openInferenceStack } from './inferenceStack.js';
import { createLocalDriftMonitor } from './localDriftMonitor.js';
import { OutcomeTally } from './OutcomeTally.js';
import { openStream } from './openStream.js';
import { ProgressReporter } from './ProgressReporter.js';
import { resolvePipelineSettings } from './pipelineSettings.js';
import { summarizeRun } from './pipelineSummary.js';
import { poisonPlan } from './poison.js';
import { ReadingProducer } from './ReadingProducer.js';
import { clearPreviousRun, runPaths } from './runFiles.js';
import { Teardown } from './Teardown.js';
import type { LocalPipelineOptions, PipelineSummary } from './types.js';

export type { Confusion, LocalPipelineOptions, PipelineProgress, PipelineSummary } from './types.js';

/** Runs the whole pipeline on this machine: kinesis-local, simulator, runner, inference handler, DuckDB store. */
export async function runLocalPipeline(opts: LocalPipelineOptions): Promise<PipelineSummary> {
  const settings = resolvePipelineSettings(opts);
  const paths = runPaths(opts.dataDir);
  clearPreviousRun(paths);
  const tally = new OutcomeTally();
  const stack = await openInferenceStack({
    dataDir: opts.dataDir,
    ...(opts.artifactsDir ? { artifactsDir: opts.artifactsDir } : {}),
    onOutcome: tally.addOutcome,
  });
  const teardown = new Teardown();
  teardown.defer(() => stack.close());
  try {
    const drift: DriftMonitor | undefined =
      settings.driftWindowRecords > 0
        ? createLocalDriftMonitor({
            ...(opts.artifactsDir ? { artifactsDir: opts.artifactsDir } : {}),
            machines: opts.machines,
            windowRecords: settings.driftWindowRecords,
            cacheDir: opts.dataDir,
            eventsPath: paths.driftEvents,
            scoreSink: stack.store.driftScores,
            clock: Date.now,
          })
        : undefined;
    const stream = await openStream({
      ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
      logFile: paths.kinesisLocalLog,
      streamName: settings.streamName,
      shards: opts.shards,
    });
    teardown.defer(() => stream.close());

    let consumerError: unknown;
    const onError = (err: unknown) => {
      consumerError = err;
    };
    const batching = { batchSize: opts.batchSize, batchingWindowMs: opts.batchingWindowMs };
    const inference = await startInferenceConsumer({
      stream,
      handler: stack.handler,
      ...batching,
      paths,
      tally,
      onError,
    });
    teardown.defer(() => inference.stop());
    let driftConsumer: DriftConsumer | undefined;
    if (drift) {
      driftConsumer = await startDriftConsumer({ stream, monitor: drift, ...batching, paths, onError });
      teardown.defer(() => driftConsumer?.stop());
    }

    await opts.onStarted?.({ store: stack.store, drift });

    const producer = new ReadingProducer({
      simulator: createSimulator({
        machines: opts.machines,
        seed: opts.seed,
        startTime: opts.startTime ?? Date.now(),
        intervalMs: settings.intervalMs,
        drift: opts.drift ?? [],
      }),
      writer: new KinesisWriter({ client: stream.client, streamName: stream.streamName, concurrency: 2 }),
      poison: poisonPlan(opts.poisonRate),
      ...(opts.records !== undefined ? { records: opts.records } : {}),
      rate: opts.rate,
      chunk: settings.writeChunk,
      ...(opts.signal ? { signal: opts.signal } : {}),
      onReading: (reading, truth) => tally.expect(reading.deviceId, reading.sequenceNumber, truth),
    });
    const began = performance.now();
    const progress = new ProgressReporter({
      began,
      counts: () => ({
        produced: producer.produced,
        scored: tally.scored,
        quarantined: tally.quarantined,
        deadLettered: tally.deadLettered,
        predictedFailures: tally.predictedFailures,
      }),
      millisBehindLatest: () => inference.millisBehindLatest(),
      drift: () => drift?.snapshot(),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    });
    const stopTicking = progress.every(opts.progressIntervalMs ?? 500);

    let finishedAt = began;
    try {
      await producer.run(began);
      // Everything produced must come out the other end: scored, quarantined or dead-lettered.
      // After Ctrl-C, what was already produced still drains, for a bounded time.
      await awaitDrain({
        produced: producer.produced,
        accounted: () => tally.accounted(),
        ...(driftConsumer ? { driftHandled: driftConsumer.handled } : {}),
        failure: () => consumerError,
        stopped: opts.signal?.aborted === true,
      });
      finishedAt = performance.now();
      // The last, partial drift window is evaluated too, so a shift near the end is not lost.
      await drift?.flush();
    } finally {
      stopTicking();
    }
    progress.report(true);
    await opts.onDrained?.({ client: stream.client, streamName: stream.streamName });
    // Both consumers stop before the store is read, so the counts include their last batches.
    await inference.stop();
    await driftConsumer?.stop();

    return await summarizeRun({
      store: stack.store.fleetQueries,
      streamName: stream.streamName,
      shards: opts.shards,
      dataDir: opts.dataDir,
      paths,
      produced: producer.produced,
      poisoned: producer.poisoned,
      tally,
      durationMs: finishedAt - began,
      modelVersion: stack.artifacts.modelVersion,
      drift,
    });
  } finally {
    await teardown.run();
  }
}
