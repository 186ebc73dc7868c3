import { writeFileSync } from 'node:fs';
import type { DriftMonitor } from '../../processors/drift/DriftMonitor.js';
import { KinesisWriter } from '../../stream/kinesis/KinesisWriter.js';
import { createSimulator } from '../../stream/simulator/Simulator.js';
import { awaitDrain } from './awaitDrain.js';
import { type DriftConsumer, startDriftConsumer } from './driftConsumer.js';
import { IteratorAge } from './IteratorAge.js';
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
import { assertFreshRunDir, runPaths } from './runFiles.js';
import { Teardown } from './Teardown.js';
import type { LocalPipelineOptions, PipelineSummary } from './types.js';

export type { Confusion, LocalPipelineOptions, PipelineProgress, PipelineSummary } from './types.js';

/** Runs the whole pipeline on this machine: kinesis-local, simulator, runner, inference handler, DuckDB store. */
export async function runLocalPipeline(opts: LocalPipelineOptions): Promise<PipelineSummary> {
  const clock = opts.clock ?? Date.now;
  const settings = resolvePipelineSettings(opts, clock);
  const paths = runPaths(opts.dataDir);
  assertFreshRunDir(paths);
  const tally = new OutcomeTally();
  const stack = await openInferenceStack({
    dataDir: opts.dataDir,
    ...(opts.artifactsDir ? { artifactsDir: opts.artifactsDir } : {}),
    onOutcome: tally.addOutcome,
  });
  const teardown = new Teardown();
  teardown.defer(() => stack.close());
  try {
    const local =
      settings.driftWindowRecords > 0
        ? createLocalDriftMonitor({
            ...(opts.artifactsDir ? { artifactsDir: opts.artifactsDir } : {}),
            machines: opts.machines,
            windowRecords: settings.driftWindowRecords,
            cacheDir: opts.cacheDir ?? opts.dataDir,
            eventsPath: paths.driftEvents,
            scoreSink: stack.store.driftScores,
            clock,
          })
        : undefined;
    const drift: DriftMonitor | undefined = local?.monitor;
    // The dashboard shows each drift statistic against the value at which it breaches; `pfm ui` reads them here.
    if (local) writeFileSync(paths.driftLimits, `${JSON.stringify(local.limits)}\n`);
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
    const iteratorAge = new IteratorAge(clock);
    const inference = await startInferenceConsumer({
      stream,
      handler: iteratorAge.wrap(stack.handler),
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

    const readingSpan: { first: number | undefined; last: number | undefined } = {
      first: undefined,
      last: undefined,
    };
    const producer = new ReadingProducer({
      simulator: createSimulator({
        machines: opts.machines,
        seed: opts.seed,
        startTime: settings.time.start,
        intervalMs: settings.intervalMs,
        ...(opts.maxIntervalMs !== undefined ? { maxIntervalMs: opts.maxIntervalMs } : {}),
        drift: opts.drift ?? [],
      }),
      writer: new KinesisWriter({ client: stream.client, streamName: stream.streamName, concurrency: 2 }),
      poison: poisonPlan(opts.poisonRate),
      ...(settings.time.readings !== undefined ? { records: settings.time.readings } : {}),
      rate: opts.rate,
      chunk: settings.writeChunk,
      clock,
      ...(opts.signal ? { signal: opts.signal } : {}),
      onReading: (reading, truth) => {
        readingSpan.first ??= reading.timestamp;
        readingSpan.last = reading.timestamp;
        tally.expect(reading.deviceId, reading.sequenceNumber, truth);
      },
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
      lagMs: () => iteratorAge.ageMs(),
      ...(settings.time.readings !== undefined ? { total: settings.time.readings } : {}),
      drift: () => drift?.snapshot(),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    });
    const stopTicking = progress.every(opts.progressIntervalMs ?? 500);

    let finishedAt = began;
    let producedAt = began;
    try {
      await producer.run(began);
      producedAt = performance.now();
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
      catchUpMs: Math.max(0, finishedAt - producedAt),
      producer: producer.stats(),
      askedRate: opts.rate,
      readingTime: { ...settings.time, ...readingSpan },
      modelVersion: stack.artifacts.modelVersion,
      drift,
    });
  } finally {
    await teardown.run();
  }
}
