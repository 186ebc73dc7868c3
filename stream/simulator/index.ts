export { CALIBRATION, DEFAULT_QUALITY_MIX, OSF_THRESHOLD_MIN_NM, WEAR_PER_PROCESS_MIN } from './constants.js';
export { AI4I_CSV_HEADER, toAi4iCsv } from './csv.js';
export { parseDriftSpec } from './driftSpec.js';
export { SimulatorError, type SimulatorErrorCode } from './errors.js';
export { deviceIdFor } from './Machine.js';
export { deterministicFailures, powerW, roundFeature } from './physics.js';
export { createSimulator, Simulator } from './Simulator.js';
export {
  DRIFT_FEATURES,
  DRIFT_KINDS,
  type DriftFeature,
  type DriftInjection,
  type DriftKind,
  type GroundTruth,
  type QualityMix,
  type SimulatedReading,
  type SimulatorOptions,
} from './types.js';
