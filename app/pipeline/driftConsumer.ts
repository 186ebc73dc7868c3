import type { DriftMonitor } from '../../processors/drift/DriftMonitor.js';
import { DRIFT_EVENT_SOURCE } from './eventSourceSettings.js';
import type { PipelineStream } from './openStream.js';
import type { RunPaths } from './runFiles.js';
import { type StreamConsumer, startStreamConsumer } from './streamConsumer.js';

/** The drift consumer, and how many records it has handled (for the run to wait on). */
export interface DriftConsumer extends StreamConsumer {
  handled(): number;
}

/**
 * The stream's second consumer, with checkpoints of its own, as in AWS: the drift monitor's handler. Locally
 * a failing batch is redelivered until it succeeds (DRIFT_EVENT_SOURCE), never dead-lettered.
 */
export async function startDriftConsumer(opts: {
  stream: PipelineStream;
  monitor: DriftMonitor;
  batchSize: number;
  batchingWindowMs: number;
  paths: RunPaths;
  onError: (err: unknown) => void;
}): Promise<DriftConsumer> {
  let handled = 0;
  const consumer = await startStreamConsumer({
    stream: opts.stream,
    handler: opts.monitor.handler,
    batchSize: opts.batchSize,
    batchingWindowMs: opts.batchingWindowMs,
    eventSource: DRIFT_EVENT_SOURCE,
    checkpointPath: opts.paths.driftCheckpoints,
    deadLetterPath: opts.paths.driftDeadLetter,
    onBatch: (b) => {
      handled += b.succeeded + b.deadLettered;
    },
    onError: opts.onError,
  });
  return { ...consumer, handled: () => handled };
}
