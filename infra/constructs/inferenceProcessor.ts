import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { PfmStackConfig } from '../config.js';
import { ENV, LAMBDA_ENTRIES, LAMBDA_MODEL_DIR, SERVICE_NAMES } from '../constants.js';
import type { PredictionStore } from './PredictionStore.js';
import { StreamProcessor } from './StreamProcessor.js';

export interface InferenceProcessorProps {
  stream: kinesis.IStream;
  key: kms.IKey;
  settings: PfmStackConfig['inference'];
  /** Where the predictions and the quarantined records go. */
  store: PredictionStore;
}

/**
 * The inference function on the readings stream: scores each batch with the packaged ONNX model and writes
 * predictions and quarantined records to the store, placed where the store can be reached.
 */
export function inferenceProcessor(
  scope: Construct,
  id: string,
  props: InferenceProcessorProps,
): StreamProcessor {
  const { settings, store } = props;
  const processor = new StreamProcessor(scope, id, {
    stream: props.stream,
    key: props.key,
    function: {
      entry: LAMBDA_ENTRIES.inference,
      serviceName: SERVICE_NAMES.inference,
      description: 'Scores batches of readings with the packaged ONNX model and writes predictions',
      memoryMb: settings.memoryMb,
      timeoutSeconds: settings.timeoutSeconds,
      reservedConcurrency: settings.reservedConcurrency,
      model: true,
      onnxRuntime: true,
      environment: {
        ...store.environment,
        [ENV.modelDir]: LAMBDA_MODEL_DIR,
        [ENV.modelSequence]: String(settings.modelSequence),
      },
      ...store.placement,
    },
    source: settings,
  });
  store.grantWrite(processor.fn, ['predictions', 'quarantine']);
  return processor;
}
