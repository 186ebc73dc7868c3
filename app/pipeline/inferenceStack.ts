import { loadModelArtifacts } from '../../model/artifacts.js';
import { OnnxScorer } from '../../model/OnnxScorer.js';
import type { ModelArtifacts } from '../../model/types.js';
import { createInferenceCore } from '../../processors/inference/core.js';
import { createHandler, type KinesisHandler } from '../../processors/inference/handler.js';
import type { BatchOutcome } from '../../processors/inference/types.js';
import { type DuckDbStore, openDuckDbStore } from '../../processors/store/openDuckDbStore.js';
import { decodeReading } from '../../schemas/codec/readingCodec.js';
import { runPaths } from './runFiles.js';

/** The inference handler wired to the embedded store, as the local pipeline and `pfm consume` run it. */
export interface InferenceStack {
  handler: KinesisHandler;
  store: DuckDbStore;
  artifacts: ModelArtifacts;
  /** Closes the store (flushing it) and releases the model session. */
  close(): Promise<void>;
}

/** Loads the model once, opens the store in `dataDir`, and builds the same handler that runs in Lambda. */
export async function openInferenceStack(opts: {
  dataDir: string;
  artifactsDir?: string;
  onOutcome?: (outcome: BatchOutcome) => void;
}): Promise<InferenceStack> {
  const artifacts = await loadModelArtifacts(opts.artifactsDir);
  const scorer = await OnnxScorer.create(artifacts);
  const store = await openDuckDbStore(runPaths(opts.dataDir).store).catch(async (err: unknown) => {
    await scorer.release();
    throw err;
  });
  const handler = createHandler({
    core: createInferenceCore({ decode: decodeReading, scorer, model: artifacts, now: Date.now }),
    sink: store.predictionSink,
    quarantine: store.quarantineSink,
    ...(opts.onOutcome ? { onOutcome: opts.onOutcome } : {}),
  });
  return {
    handler,
    store,
    artifacts,
    async close() {
      try {
        await store.close();
      } finally {
        await scorer.release();
      }
    },
  };
}
