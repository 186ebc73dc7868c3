import { createDriftCore } from '../../processors/drift/core.js';
import { DriftMonitor } from '../../processors/drift/DriftMonitor.js';
import { modelEngineerFor } from '../../processors/drift/modelFeatures.js';
import { loadDriftReference } from '../../processors/drift/reference.js';
import type { DriftScoreSink } from '../../processors/drift/types.js';
import { LocalEventLog } from '../../processors/events/LocalEventLog.js';
import { calibrateOnSimulator } from '../drift/simulatedCalibration.js';
import { type DriftLimitsSource, driftLimitsSource } from './driftLimits.js';

/**
 * Builds the local pipeline's drift monitor: loads the reference and checks it against the model (throws
 * MODEL_MISMATCH), takes its null spreads from a stationary simulated fleet of the same size (cached in
 * `cacheDir`), writes window scores to `scoreSink` and events to the local event log at `eventsPath`. Its
 * `handler` goes to the drift consumer; its `snapshot()` feeds the live display and the summary; `limits`
 * says at which value each statistic breaches (for the dashboard).
 */
export function createLocalDriftMonitor(opts: {
  /** Model artifacts (reference.json, features.txt, scaler.json, model.onnx); default model/artifacts. */
  artifactsDir?: string;
  machines: number;
  windowRecords: number;
  cacheDir: string;
  eventsPath: string;
  scoreSink: DriftScoreSink;
  clock: () => number;
}): { monitor: DriftMonitor; limits: DriftLimitsSource } {
  const reference = loadDriftReference(opts.artifactsDir);
  const engineer = modelEngineerFor(reference);
  const calibration = calibrateOnSimulator({
    reference,
    engineer,
    machines: opts.machines,
    windowRecords: opts.windowRecords,
    cacheDir: opts.cacheDir,
  });
  const core = createDriftCore({ reference, engineer, calibration });
  const monitor = new DriftMonitor({
    core,
    publisher: LocalEventLog.open(opts.eventsPath),
    scoreSink: opts.scoreSink,
    windowRecords: opts.windowRecords,
    clock: opts.clock,
  });
  return { monitor, limits: driftLimitsSource(core, calibration) };
}
