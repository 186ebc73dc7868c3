import type * as events from 'aws-cdk-lib/aws-events';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { PfmStackConfig } from '../config.js';
import { ENV, LAMBDA_ENTRIES, LAMBDA_MODEL_DIR, SERVICE_NAMES } from '../constants.js';
import type { DriftStateTable } from './DriftStateTable.js';
import type { PredictionStore } from './PredictionStore.js';
import { StreamProcessor } from './StreamProcessor.js';

export interface DriftMonitorProps {
  stream: kinesis.IStream;
  key: kms.IKey;
  settings: PfmStackConfig['drift'];
  /** Where the retraining events go. */
  bus: events.IEventBus;
  /** The state all shards share (lock, decision memory, partial windows). */
  state: DriftStateTable;
  /** Takes the per-window drift scores when it offers to (PredictionStore.driftEnvironment). */
  store: PredictionStore;
}

/**
 * The drift monitor on the readings stream: tumbling-window statistics against the training reference,
 * retraining events to the bus, scores to CloudWatch metrics (EMF) and to the store when it takes them.
 */
export function driftMonitor(scope: Construct, id: string, props: DriftMonitorProps): StreamProcessor {
  const { settings, store } = props;
  // A store that takes no drift scores leaves the function outside its network (no endpoints needed there).
  const placement = store.driftEnvironment === undefined ? undefined : store.placement;
  const processor = new StreamProcessor(scope, id, {
    stream: props.stream,
    key: props.key,
    function: {
      entry: LAMBDA_ENTRIES.drift,
      serviceName: SERVICE_NAMES.drift,
      description: 'Tumbling-window drift statistics against the training reference; publishes drift events',
      memoryMb: settings.memoryMb,
      timeoutSeconds: settings.timeoutSeconds,
      model: true,
      environment: {
        [ENV.sink]: store.kind,
        [ENV.modelDir]: LAMBDA_MODEL_DIR,
        [ENV.eventBusName]: props.bus.eventBusName,
        [ENV.driftStateTable]: props.state.table.tableName,
        // Longer than the function can run: only a crashed holder's lock is ever taken over.
        [ENV.driftLockLeaseSeconds]: String(settings.timeoutSeconds + 60),
        ...store.driftEnvironment,
      },
      ...placement,
    },
    source: settings,
  });
  props.bus.grantPutEventsTo(processor.fn.role);
  props.state.grantStateAccess(processor.fn);
  if (store.driftEnvironment) store.grantWrite(processor.fn, ['drift']);
  return processor;
}
