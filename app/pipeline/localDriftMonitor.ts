import type { DriftPolicy } from '../../processors/drift/constants.js';
import { createDriftCore } from '../../processors/drift/core.js';
import { DriftMonitor } from '../../processors/drift/DriftMonitor.js';
import { modelEngineerFor } from '../../processors/drift/modelFeatures.js';
import { loadDriftReference } from '../../processors/drift/reference.js';
import type {
  DriftCalibration,
  DriftReference,
  DriftScoreSink,
  Evaluation,
  EventPublisher,
  MonitorState,
} from '../../processors/drift/types.js';
import { calibrateOnSimulator } from '../drift/simulatedCalibration.js';

/** How the local monitor gets its null spreads. */
export type LocalCalibration =
  | DriftCalibration
  /** Replay a stationary simulated fleet of this size first (about 1 s per 1,000 windows of 1,000). */
  | { simulate: { machines: number; windows?: number; seed?: number; cacheDir?: string } }
  /** iid theory: right for independent readings, too strict for a fleet whose temperatures move slowly. */
  | 'iid';

export interface LocalDriftMonitorOptions {
  /** Model artifacts (reference.json, features.txt, scaler.json, model.onnx); default model/artifacts. */
  artifactsDir?: string;
  /** An already loaded reference (overrides artifactsDir). */
  reference?: DriftReference;
  publisher: EventPublisher;
  scoreSink: DriftScoreSink;
  windowRecords: number;
  windowMs?: number;
  clock: () => number;
  calibration: LocalCalibration;
  policy?: Partial<DriftPolicy>;
  initialState?: MonitorState;
  onEvaluation?: (evaluation: Evaluation) => void;
}

/**
 * Builds the drift monitor for the local pipeline: loads and checks the reference against the model (throws
 * MODEL_MISMATCH), calibrates, and returns a DriftMonitor whose `handler` goes to its own EventSourceRunner
 * and whose `snapshot()` feeds the live display.
 */
export function createLocalDriftMonitor(options: LocalDriftMonitorOptions): DriftMonitor {
  const reference = options.reference ?? loadDriftReference(options.artifactsDir);
  const engineer = modelEngineerFor(reference);
  const calibration =
    options.calibration === 'iid'
      ? undefined
      : 'simulate' in options.calibration
        ? calibrateOnSimulator({
            reference,
            engineer,
            machines: options.calibration.simulate.machines,
            windowRecords: options.windowRecords,
            ...(options.calibration.simulate.windows
              ? { windows: options.calibration.simulate.windows }
              : {}),
            ...(options.calibration.simulate.seed !== undefined
              ? { seed: options.calibration.simulate.seed }
              : {}),
            ...(options.calibration.simulate.cacheDir
              ? { cacheDir: options.calibration.simulate.cacheDir }
              : {}),
          })
        : options.calibration;
  const core = createDriftCore({
    reference,
    engineer,
    ...(calibration ? { calibration } : {}),
    ...(options.policy ? { policy: options.policy } : {}),
  });
  return new DriftMonitor({
    core,
    publisher: options.publisher,
    scoreSink: options.scoreSink,
    windowRecords: options.windowRecords,
    ...(options.windowMs !== undefined ? { windowMs: options.windowMs } : {}),
    clock: options.clock,
    ...(options.initialState ? { initialState: options.initialState } : {}),
    ...(options.onEvaluation ? { onEvaluation: options.onEvaluation } : {}),
  });
}
