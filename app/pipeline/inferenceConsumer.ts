import type { KinesisHandler } from '../../processors/inference/handler.js';
import { INFERENCE_EVENT_SOURCE } from './eventSourceSettings.js';
import type { OutcomeTally } from './OutcomeTally.js';
import type { PipelineStream } from './openStream.js';
import type { RunPaths } from './runFiles.js';
import { type StreamConsumer, startStreamConsumer } from './streamConsumer.js';

/**
 * The stream's first consumer: the inference handler, splitting and redelivering a failing batch as the stack's
 * event source mapping does before dead-lettering it; what it dead-letters is counted in the tally (the handler
 * reports the rest).
 */
export function startInferenceConsumer(opts: {
  stream: PipelineStream;
  handler: KinesisHandler;
  batchSize: number;
  batchingWindowMs: number;
  paths: RunPaths;
  tally: OutcomeTally;
  onError: (err: unknown) => void;
}): Promise<StreamConsumer> {
  return startStreamConsumer({
    stream: opts.stream,
    handler: opts.handler,
    batchSize: opts.batchSize,
    batchingWindowMs: opts.batchingWindowMs,
    eventSource: INFERENCE_EVENT_SOURCE,
    checkpointPath: opts.paths.checkpoints,
    deadLetterPath: opts.paths.deadLetter,
    onBatch: (b) => opts.tally.addDeadLettered(b.deadLettered),
    onError: opts.onError,
  });
}
