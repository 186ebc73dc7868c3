import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { PfmError } from '../../kernel/errors.js';
import { DRIFT_CALIBRATION_FILE, simulatedCalibrationFile } from '../../processors/drift/constants.js';
import { PROJECT_ROOT } from '../bundling.js';
import type { PfmStackConfig } from '../config.js';
import { ENV, LAMBDA_ENTRIES, LAMBDA_MODEL_DIR, SERVICE_NAMES } from '../constants.js';
import type { DriftStateTable } from './DriftStateTable.js';
import type { PredictionStore } from './PredictionStore.js';
import { StreamProcessor } from './StreamProcessor.js';

export interface DriftMonitorProps {
  stream: kinesis.IStream;
  key: kms.IKey;
  settings: PfmStackConfig['drift'];
  /** The stack's fleet simulator: when it feeds the stream, the thresholds are the simulated fleet's. */
  fleetSimulator: PfmStackConfig['simulator'];
  /** Where the retraining events go. */
  bus: events.IEventBus;
  /** The state all shards share (lock, decision memory, partial windows). */
  state: DriftStateTable;
  /** Takes the per-window drift scores when it offers to (PredictionStore.driftEnvironment). */
  store: PredictionStore;
}

/**
 * The drift monitor on the readings stream: tumbling-window statistics against the training reference, folded
 * into fleet windows in the state table whatever the number of shards, with the shipped calibration; retraining
 * and stuck-sensor events to the bus, scores to CloudWatch metrics (EMF) and to the store when it takes them.
 */
export function driftMonitor(scope: Construct, id: string, props: DriftMonitorProps): StreamProcessor {
  const { settings, store } = props;
  const calibrationFile = driftCalibrationFile(settings, props.fleetSimulator);
  // Made offline (pfm drift calibrate) and shipped in the model's artifacts folder, which the function's package
  // holds (model: true). Without it the monitor would not start, so the stack refuses to synthesize.
  const calibration = join(PROJECT_ROOT, 'model', 'artifacts', calibrationFile);
  if (!existsSync(calibration)) {
    throw new PfmError(
      'CONFIG_INVALID',
      `drift.calibrationFile: ${calibration} is missing: the drift function needs it; make it with ` +
        `npx pfm drift calibrate ${calibrationSource(props.fleetSimulator, settings)} --out model/artifacts/${calibrationFile}`,
    );
  }
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
        [ENV.driftCalibration]: `${LAMBDA_MODEL_DIR}/${calibrationFile}`,
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

/** Fewest readings in a simulated fleet's window (the window pfm drift calibrate uses by default). */
const MIN_SIMULATED_WINDOW = 1000;

/**
 * The readings of a fleet window when the stack's simulator feeds the stream: the drift function closes a
 * window at the first tumbling-period boundary after it holds the calibration's number of readings, so the
 * window is a whole number of periods of the simulator's load, at least MIN_SIMULATED_WINDOW. The calibration
 * must be measured on windows of that size: a larger window has other null spreads (slowly moving features
 * add up over more of each machine's readings) and alarms on a stationary fleet.
 */
export function simulatedWindowRecords(
  simulator: PfmStackConfig['simulator'],
  drift: PfmStackConfig['drift'],
): number {
  const perPeriod = Math.max(
    1,
    Math.round((simulator.readingsPerRun * drift.tumblingWindowSeconds) / (simulator.rateMinutes * 60)),
  );
  return perPeriod * Math.ceil(MIN_SIMULATED_WINDOW / perPeriod);
}

/**
 * The calibration the drift function uses: the one configured; with the fleet simulator on, the simulated
 * fleet's (its size, its readings per window); otherwise the training file's, made from it in time order.
 */
export function driftCalibrationFile(
  drift: PfmStackConfig['drift'],
  simulator: PfmStackConfig['simulator'],
): string {
  if (drift.calibrationFile !== undefined) return drift.calibrationFile;
  if (!simulator.enabled) return DRIFT_CALIBRATION_FILE;
  return simulatedCalibrationFile(simulator.machines, simulatedWindowRecords(simulator, drift));
}

function calibrationSource(simulator: PfmStackConfig['simulator'], drift: PfmStackConfig['drift']): string {
  if (drift.calibrationFile !== undefined || !simulator.enabled)
    return '--in <your fleet history or ../shared/data/ai4i2020-train.csv> [--window N]';
  return `--machines ${simulator.machines} --window ${simulatedWindowRecords(simulator, drift)}`;
}
